package dev.isthmus.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example configuration in config/ and config/examples/: every isthmus.* key is a real
 * property, TLS bundles that are referenced exist, and every example route compiles and is
 * accepted by the gateway's own parser and compiler.
 */
class ConfigExamplesTest {

    static Stream<Path> applicationConfigs() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("config/examples"))) {
            List<Path> examples = files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().startsWith("routes"))
                    .sorted().toList();
            assertThat(examples).extracting(p -> p.getFileName().toString()).contains("vm-consul.yaml", "vm-tls.yaml");
            return Stream.concat(Stream.of(Path.of("config/application-local.yaml")), examples.stream());
        }
    }

    static Stream<Path> routesFiles() {
        return Stream.of(Path.of("config/routes.yaml"), Path.of("config/examples/routes.yaml"));
    }

    @ParameterizedTest
    @MethodSource("applicationConfigs")
    void applicationConfigurationNamesRealPropertiesAndConsistentTls(Path file) throws IOException {
        String yaml = Files.readString(file);
        assertThat(ConfigFiles.unboundIsthmusKeys(yaml)).as("isthmus.* keys in %s that no property binds", file).isEmpty();

        JsonNode config = Manifests.readYaml(yaml);
        JsonNode server = config.path("server");
        if (server.has("port") && config.path("management").path("server").has("port")) {
            assertThat(config.path("management").path("server").path("port").asInt()).as("admin port apart from the gateway port")
                    .isNotEqualTo(server.path("port").asInt());
        }
        JsonNode ssl = server.path("ssl");
        if (ssl.has("bundle")) {
            Set<String> bundles = new HashSet<>();
            config.path("spring").path("ssl").path("bundle").path("pem").fieldNames().forEachRemaining(bundles::add);
            config.path("spring").path("ssl").path("bundle").path("jks").fieldNames().forEachRemaining(bundles::add);
            assertThat(bundles).as("server.ssl.bundle").contains(ssl.path("bundle").asText());
            ssl.path("server-name-bundles").forEach(b -> assertThat(bundles).as(b.path("server-name").asText()).contains(b.path("bundle").asText()));
            assertThat(config.path("management").path("server").path("ssl").path("enabled").asText())
                    .as("the admin port would inherit server.ssl").isEqualTo("false");
        }
    }

    @ParameterizedTest
    @MethodSource("routesFiles")
    void everyExampleRouteIsAccepted(Path file) throws Exception {
        String routes = Files.readString(file);
        assertThat(Manifests.readYaml(routes).path("routes")).as("routes in %s", file).isNotEmpty();
        assertThat(ConfigFiles.rejectedRoutes(routes)).as("rejected routes in %s", file).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void aTypoIsCaught() throws IOException {
        assertThat(ConfigFiles.unboundIsthmusKeys("isthmus:\n  consul:\n    enabld: true\n  discovery:\n    policy: merge\n"))
                .containsExactly("isthmus.consul.enabld");
    }
}
