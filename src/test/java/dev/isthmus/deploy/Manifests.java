package dev.isthmus.deploy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

/** The objects of one {@code helm template} output, as JSON trees, for assertions. */
final class Manifests {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final String yaml;
    private final List<JsonNode> objects;

    private Manifests(String yaml, List<JsonNode> objects) {
        this.yaml = yaml;
        this.objects = objects;
    }

    static Manifests parse(String yaml) {
        try (YAMLParser parser = ((YAMLFactory) YAML.getFactory()).createParser(yaml)) {
            List<JsonNode> docs = new ArrayList<>();
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isMissingNode() && !doc.isNull() && doc.has("kind")) {
                    docs.add(doc);
                }
            }
            return new Manifests(yaml, List.copyOf(docs));
        }
        catch (IOException e) {
            throw new IllegalStateException("helm template output is not YAML: " + e.getMessage() + "\n" + yaml, e);
        }
    }

    String yaml() {
        return yaml;
    }

    List<JsonNode> all() {
        return objects;
    }

    List<JsonNode> all(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    Optional<JsonNode> find(String kind, String name) {
        return all(kind).stream().filter(o -> name.equals(o.path("metadata").path("name").asText())).findFirst();
    }

    JsonNode one(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered; kinds: " + kinds()));
    }

    JsonNode one(String kind) {
        List<JsonNode> found = all(kind);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + ", rendered " + found.size());
        }
        return found.get(0);
    }

    List<String> kinds() {
        return objects.stream().map(o -> o.path("kind").asText()).toList();
    }

    /** The gateway container of the Deployment. */
    JsonNode container() {
        return one("Deployment").path("spec").path("template").path("spec").path("containers").get(0);
    }

    JsonNode podSpec() {
        return one("Deployment").path("spec").path("template").path("spec");
    }

    /** application.yaml from the chart's ConfigMap, parsed. */
    JsonNode applicationConfig() {
        JsonNode cm = all("ConfigMap").stream().filter(c -> c.path("data").has("application.yaml")).findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap with application.yaml"));
        return readYaml(cm.path("data").path("application.yaml").asText());
    }

    String applicationYaml() {
        return all("ConfigMap").stream().filter(c -> c.path("data").has("application.yaml")).findFirst().orElseThrow()
                .path("data").path("application.yaml").asText();
    }

    static JsonNode readYaml(String text) {
        try {
            return YAML.readTree(text);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The container port number with this name, or -1. */
    int containerPort(String name) {
        for (JsonNode p : container().path("ports")) {
            if (name.equals(p.path("name").asText())) {
                return p.path("containerPort").asInt();
            }
        }
        return -1;
    }

    Optional<JsonNode> env(String name) {
        return StreamSupport.stream(container().path("env").spliterator(), false).filter(e -> name.equals(e.path("name").asText()))
                .findFirst();
    }
}
