package dev.isthmus.spec.crd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The GatewayRoute CRD as the build generates it (target/classes, copied to the chart): every
 * schema property is described for {@code kubectl explain}, a YAML 1.1 reader gets the same document
 * as a YAML 1.2 one, and the printer columns come in the order a person reads them.
 */
class GeneratedCrdTest {

    static final Path CRD = Path.of("target/classes/META-INF/fabric8/gatewayroutes.isthmus.dev-v1.yml");

    @SuppressWarnings("unchecked")
    static Map<String, Object> crd() throws IOException {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(CRD));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> version() throws IOException {
        return ((List<Map<String, Object>>) ((Map<String, Object>) crd().get("spec")).get("versions")).get(0);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> schema() throws IOException {
        return (Map<String, Object>) ((Map<String, Object>) version().get("schema")).get("openAPIV3Schema");
    }

    @Test
    void everySchemaPropertyHasADescription() throws IOException {
        List<String> undescribed = new ArrayList<>();
        List<String> described = new ArrayList<>();
        walk(schema(), "gatewayroute", undescribed, described);
        assertThat(undescribed).as("properties without a description (add @JsonPropertyDescription on the spec record's component)").isEmpty();
        // the walk saw the whole schema: the top level, spec, status, and a deep leaf
        assertThat(described).contains("gatewayroute", "gatewayroute.spec", "gatewayroute.status", "gatewayroute.spec.retries.on",
                "gatewayroute.spec.loadBalancer.hashOn.cookie.ttl", "gatewayroute.status.conditions[].reason").hasSizeGreaterThan(100);
    }

    @SuppressWarnings("unchecked")
    private static void walk(Map<String, Object> schema, String path, List<String> undescribed, List<String> described) {
        Object description = schema.get("description");
        (description instanceof String s && !s.isBlank() ? described : undescribed).add(path);
        if (schema.get("properties") instanceof Map<?, ?> properties) {
            ((Map<String, Object>) properties).forEach((name, child) -> walk((Map<String, Object>) child, path + "." + name, undescribed, described));
        }
        // the element schema of a list and the value schema of a map are described by their property
        if (schema.get("items") instanceof Map<?, ?> items) {
            walkChildren((Map<String, Object>) items, path + "[]", undescribed, described);
        }
        if (schema.get("additionalProperties") instanceof Map<?, ?> values) {
            walkChildren((Map<String, Object>) values, path + "{}", undescribed, described);
        }
    }

    @SuppressWarnings("unchecked")
    private static void walkChildren(Map<String, Object> schema, String path, List<String> undescribed, List<String> described) {
        if (schema.get("properties") instanceof Map<?, ?> properties) {
            ((Map<String, Object>) properties).forEach((name, child) -> walk((Map<String, Object>) child, path + "." + name, undescribed, described));
        }
    }

    @Test
    void yaml11ReadersGetTheDocumentYaml12ReadersGet() throws IOException {
        String text = Files.readString(CRD);
        Object yaml12 = new Load(LoadSettings.builder().build()).loadFromString(text);
        // SnakeYAML 1.x/2.x implements YAML 1.1, like go-yaml v2 under kubectl and Helm (which also
        // reads y/n as booleans: CrdPostProcessorTest covers those)
        Object yaml11 = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        assertThat(yaml11).isEqualTo(yaml12);
    }

    @Test
    @SuppressWarnings("unchecked")
    void retriesOnIsAPropertyNamedOn() throws IOException {
        Map<String, Object> spec = (Map<String, Object>) ((Map<String, Object>) schema().get("properties")).get("spec");
        Map<String, Object> retries = (Map<String, Object>) ((Map<String, Object>) spec.get("properties")).get("retries");
        assertThat(((Map<String, Object>) retries.get("properties")).keySet()).contains("on").doesNotContain("true");
        assertThat(Files.readString(CRD)).contains("\"on\":").doesNotContainPattern("(?m)^\\s*on:");
    }

    @Test
    @SuppressWarnings("unchecked")
    void printerColumnsComeInReadingOrder() throws IOException {
        List<Map<String, Object>> columns = (List<Map<String, Object>>) version().get("additionalPrinterColumns");
        assertThat(columns).extracting(c -> c.get("name")).containsExactly("Hosts", "Path", "Backends", "Accepted", "Age");
    }
}
