package dev.isthmus.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

import dev.isthmus.model.ConditionReason;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceKind;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.source.RoutesDocumentParser;
import dev.isthmus.source.kubernetes.ConfigMapRouteSource;
import dev.isthmus.source.kubernetes.GatewayClassSelector;
import dev.isthmus.source.kubernetes.GatewayRouteSource;
import dev.isthmus.source.kubernetes.KubernetesManifests;

/**
 * Reads the files given to {@code validate} into what the gateway's sources would emit: routes
 * files (as the file source reads {@code isthmus.file.path}), ConfigMap manifests (as the ConfigMap
 * source reads a labelled ConfigMap) and GatewayRoute manifests (as the GatewayRoute source reads
 * an object), each through the same parser. Files hold any number of YAML (or JSON) documents, as
 * {@code kubectl apply -f} takes them, {@code kind: List} included; a directory stands for its
 * {@code .yaml}, {@code .yml} and {@code .json} files; {@code -} is standard input. Other kinds
 * are skipped. Remembers where every route and object came from, so findings point at a line.
 */
final class ManifestReader {

    /** Where a route or object was read: file and line, a description, and the route's place in its object. */
    record Place(String file, int line, String object, String prefix, Function<String, Integer> lineOf) {
    }

    /** A document that is not for Isthmus, or not for a gateway with these settings. */
    record Skipped(String file, int line, String object, String why) {
    }

    private static final ObjectMapper YAML = RoutesDocumentParser.mapper();
    private static final ObjectMapper LENIENT = RoutesDocumentParser.mapper().copy()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final String GATEWAY_ROUTE_API = GatewayRouteSource.CONTEXT.getGroup() + "/" + GatewayRouteSource.CONTEXT.getVersion();

    private final String defaultNamespace;
    private final GatewayClassSelector classes;
    private final Instant now = Instant.now();
    private final InputStream stdin;

    final List<RouteSpec> routes = new ArrayList<>();
    final List<SourceProblem> problems = new ArrayList<>();
    /** Named access policies of routes files and ConfigMaps ({@code policies:}), as their sources give them to the compiler. */
    final List<dev.isthmus.model.PolicyDefinition> policies = new ArrayList<>();
    final List<Skipped> skipped = new ArrayList<>();
    final Map<String, Place> routePlaces = new HashMap<>();
    final Map<SourceProblem, Place> problemPlaces = new HashMap<>();
    int documents;

    /**
     * @param defaultNamespace the namespace of manifests without one (kubectl's {@code --namespace})
     * @param classes the gateway class the gateway's Kubernetes sources would serve
     */
    ManifestReader(String defaultNamespace, GatewayClassSelector classes, InputStream stdin) {
        this.defaultNamespace = defaultNamespace;
        this.classes = classes;
        this.stdin = stdin;
    }

    void read(String argument) {
        if (argument.equals("-")) {
            try {
                readStream("(stdin)", new String(stdin.readAllBytes(), StandardCharsets.UTF_8));
            }
            catch (IOException e) {
                unreadable("(stdin)", "cannot read standard input: " + e.getMessage());
            }
            return;
        }
        Path path = Path.of(argument);
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.list(path)) {
                List<Path> manifests = files.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().matches(".*\\.(yaml|yml|json)$"))
                        .sorted().toList();
                if (manifests.isEmpty()) {
                    unreadable(argument, "directory has no .yaml, .yml or .json file");
                }
                manifests.forEach(f -> read(f.toString()));
            }
            catch (IOException e) {
                unreadable(argument, "cannot list the directory: " + e.getMessage());
            }
            return;
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            unreadable(argument, Files.exists(path) ? "cannot read: " + e.getMessage() : "no such file");
            return;
        }
        readStream(argument, text);
    }

    private void readStream(String file, String text) {
        List<YamlDocuments.Document> docs = YamlDocuments.split(text);
        if (docs.isEmpty()) {
            skipped.add(new Skipped(file, 1, "file", "no YAML document in it"));
        }
        for (YamlDocuments.Document doc : docs) {
            documents++;
            readDocument(file, doc);
        }
    }

    private void readDocument(String file, YamlDocuments.Document doc) {
        JsonNode root;
        try {
            root = YAML.readTree(doc.text());
        }
        catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            problem(file, doc.line(), "document " + doc.index(), null, ConditionReason.INVALID_DOCUMENT,
                    "invalid YAML: " + firstLine(e.getOriginalMessage()) + at);
            return;
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            return;
        }
        LineIndex lines = LineIndex.of(YAML, doc.text());
        if (root.isObject() && (root.has("apiVersion") || root.has("kind"))) {
            readObject(file, doc.line(), root, path -> lines.line(path, doc.line()), "", doc.text().split("\n", -1));
        }
        else if (root.isObject() && root.has("routes")) {
            readRoutesDocument(file, doc, lines);
        }
        else {
            problem(file, doc.line(), "document " + doc.index(), null, ConditionReason.INVALID_DOCUMENT,
                    "neither a routes document (a 'routes' list) nor a Kubernetes object (apiVersion and kind)");
        }
    }

    /** A routes file: what the file source would make of it, were it {@code isthmus.file.path}. */
    private void readRoutesDocument(String file, YamlDocuments.Document doc, LineIndex lines) {
        ObjectRef ref = ObjectRef.file(file);
        RoutesDocumentParser.Result result;
        try {
            result = RoutesDocumentParser.parse(doc.text(), ref, 1, name -> "file/" + name, name -> now);
        }
        catch (RoutesDocumentParser.InvalidDocumentException e) {
            problem(file, doc.line(), "routes file", null, ConditionReason.INVALID_DOCUMENT, e.getMessage());
            return;
        }
        policies.addAll(result.policies());
        Map<String, Integer> index = entryIndex(doc.text());
        for (RouteSpec route : result.routes()) {
            String prefix = "routes[" + index.getOrDefault(route.name(), 0) + "]";
            routes.add(route);
            routePlaces.put(route.id(), new Place(file, lines.line(prefix, doc.line()), "routes file", prefix,
                    path -> lines.line(path, lines.line(prefix, doc.line()))));
        }
        for (SourceProblem p : result.problems()) {
            problems.add(p);
            problemPlaces.put(p, new Place(file, doc.line(), "routes file", "", path -> lines.line(path, doc.line())));
        }
    }

    /** A Kubernetes object, at {@code line} of {@code file}; {@code base} is its path inside a List. */
    private void readObject(String file, int line, JsonNode object, Function<String, Integer> lineOf, String base, String[] text) {
        String apiVersion = object.path("apiVersion").asText("");
        String kind = object.path("kind").asText("");
        String namespace = object.path("metadata").path("namespace").asText("");
        String name = object.path("metadata").path("name").asText("");
        String ns = namespace.isEmpty() ? defaultNamespace : namespace;
        String description = kind + " " + ns + "/" + name;
        if (kind.endsWith("List") && object.path("items").isArray()) {
            JsonNode items = object.get("items");
            for (int i = 0; i < items.size(); i++) {
                String at = base + "items[" + i + "]";
                readObject(file, lineOf.apply(at), items.get(i), path -> lineOf.apply(at + "." + path), at + ".", text);
            }
            return;
        }
        if (kind.equals("ConfigMap") && apiVersion.equals("v1")) {
            readConfigMap(file, line, (ObjectNode) object, ns, description, lineOf, text);
        }
        else if (kind.equals("GatewayRoute") && apiVersion.startsWith(GatewayRouteSource.CONTEXT.getGroup() + "/")) {
            if (!apiVersion.equals(GATEWAY_ROUTE_API)) {
                problem(file, line, description, new ObjectRef(SourceKind.GATEWAY_ROUTE, ns, name), ConditionReason.INVALID_SPEC,
                        "apiVersion " + apiVersion + " is not served; the GatewayRoute CRD serves " + GATEWAY_ROUTE_API);
                return;
            }
            readGatewayRoute(file, line, (ObjectNode) object, ns, description, lineOf);
        }
        else {
            skipped.add(new Skipped(file, line, (kind.isEmpty() ? "(no kind)" : kind) + (name.isEmpty() ? "" : " " + ns + "/" + name),
                    "not a kind Isthmus reads routes from"));
        }
    }

    private void readConfigMap(String file, int line, ObjectNode object, String namespace, String description,
            Function<String, Integer> lineOf, String[] text) {
        if (!"true".equals(object.path("metadata").path("labels").path(ConfigMapRouteSource.LABEL).asText())) {
            skipped.add(new Skipped(file, line, description, "no label " + ConfigMapRouteSource.LABEL + "=\"true\": the gateway does not read it"));
            return;
        }
        ConfigMap cm;
        try {
            cm = LENIENT.treeToValue(withNamespace(object, namespace), ConfigMap.class);
        }
        catch (JsonProcessingException | IllegalArgumentException e) {
            problem(file, line, description, new ObjectRef(SourceKind.CONFIG_MAP, namespace, object.path("metadata").path("name").asText()),
                    ConditionReason.INVALID_DOCUMENT, "not a valid ConfigMap: " + firstLine(e.getMessage()));
            return;
        }
        RoutesDocumentParser.Result result = KubernetesManifests.configMap(cm, created(object), classes);
        if (result == null) {
            skipped.add(new Skipped(file, line, description, "for another gateway class than this gateway's (" + classes.describe() + ")"));
            return;
        }
        policies.addAll(result.policies());
        // where each route sits: its key's document and its index there, and the lines inside a block scalar
        Map<String, String> keyOf = new HashMap<>();
        Map<String, Integer> indexOf = new HashMap<>();
        Map<String, Function<String, Integer>> linesOfKey = new HashMap<>();
        if (cm.getData() != null) {
            cm.getData().forEach((key, value) -> {
                if (!key.endsWith(".yaml")) {
                    return;
                }
                int keyLine = lineOf.apply("data." + key);
                LineIndex inner = LineIndex.of(YAML, value);
                boolean block = isBlockScalar(text, keyLine, key);
                linesOfKey.put(key, path -> block ? keyLine + inner.line(path, 0) : keyLine);
                entryIndex(value).forEach((route, i) -> {
                    keyOf.putIfAbsent(route, key);
                    indexOf.putIfAbsent(route, i);
                });
            });
        }
        for (RouteSpec route : result.routes()) {
            String key = keyOf.get(route.name());
            String prefix = key == null ? "" : "data." + key + ".routes[" + indexOf.get(route.name()) + "]";
            Function<String, Integer> inKey = key == null ? p -> line : linesOfKey.get(key);
            String inner = prefix.isEmpty() ? "" : prefix.substring(("data." + key + ".").length());
            int routeLine = inKey.apply(inner);
            routes.add(route);
            routePlaces.put(route.id(), new Place(file, routeLine, description, prefix,
                    path -> path.startsWith("data." + key + ".") ? inKey.apply(path.substring(("data." + key + ".").length())) : routeLine));
        }
        for (SourceProblem p : result.problems()) {
            problems.add(p);
            problemPlaces.put(p, new Place(file, line, description, "", path -> {
                for (Map.Entry<String, Function<String, Integer>> k : linesOfKey.entrySet()) {
                    String keyPrefix = "data." + k.getKey();
                    if (path.equals(keyPrefix)) {
                        return lineOf.apply(keyPrefix);
                    }
                    if (path.startsWith(keyPrefix + ".")) {
                        return k.getValue().apply(path.substring(keyPrefix.length() + 1));
                    }
                }
                return line;
            }));
        }
    }

    private void readGatewayRoute(String file, int line, ObjectNode object, String namespace, String description,
            Function<String, Integer> lineOf) {
        GenericKubernetesResource resource;
        try {
            resource = LENIENT.treeToValue(withNamespace(object, namespace), GenericKubernetesResource.class);
        }
        catch (JsonProcessingException | IllegalArgumentException e) {
            problem(file, line, description, new ObjectRef(SourceKind.GATEWAY_ROUTE, namespace, object.path("metadata").path("name").asText()),
                    ConditionReason.INVALID_SPEC, "not a valid object: " + firstLine(e.getMessage()));
            return;
        }
        if (resource.getMetadata() == null || resource.getMetadata().getName() == null || resource.getMetadata().getName().isEmpty()) {
            problem(file, line, description, new ObjectRef(SourceKind.GATEWAY_ROUTE, namespace, "(no name)"), ConditionReason.INVALID_SPEC,
                    "metadata.name is required");
            return;
        }
        RoutesDocumentParser.Result result = KubernetesManifests.gatewayRoute(resource, created(object), classes);
        if (result == null) {
            skipped.add(new Skipped(file, line, description, "for another gateway class than this gateway's (" + classes.describe() + ")"));
            return;
        }
        for (RouteSpec route : result.routes()) {
            routes.add(route);
            routePlaces.put(route.id(), new Place(file, line, description, "spec", path -> lineOf.apply(path)));
        }
        for (SourceProblem p : result.problems()) {
            problems.add(p);
            problemPlaces.put(p, new Place(file, line, description, "", path -> lineOf.apply(path)));
        }
    }

    private ObjectNode withNamespace(ObjectNode object, String namespace) {
        ObjectNode copy = object.deepCopy();
        JsonNode metadata = copy.get("metadata");
        if (metadata instanceof ObjectNode m && !m.hasNonNull("namespace")) {
            m.put("namespace", namespace);
        }
        return copy;
    }

    /** {@code metadata.creationTimestamp} orders conflicts as on the gateway's first sync; objects without one are new. */
    private Instant created(JsonNode object) {
        String ts = object.path("metadata").path("creationTimestamp").asText("");
        try {
            return ts.isEmpty() ? now : Instant.parse(ts);
        }
        catch (DateTimeParseException e) {
            return now;
        }
    }

    /** Index of each named entry of a routes document's list (first occurrence). */
    private static Map<String, Integer> entryIndex(String document) {
        Map<String, Integer> index = new HashMap<>();
        try {
            JsonNode list = YAML.readTree(document).path("routes");
            for (int i = 0; i < list.size(); i++) {
                String name = list.get(i).path("name").asText("");
                if (!name.isEmpty()) {
                    index.putIfAbsent(name, i);
                }
            }
        }
        catch (JsonProcessingException | RuntimeException e) {
            // the parser reports it
        }
        return index;
    }

    /**
     * Whether the value of {@code key}, on line {@code keyLine}, is a literal or folded block
     * ({@code routes.yaml: |}), whose lines follow the key's one for one; otherwise (a quoted
     * string) findings point at the key.
     */
    private static boolean isBlockScalar(String[] text, int keyLine, String key) {
        if (keyLine < 1 || keyLine > text.length) {
            return false;
        }
        String l = text[keyLine - 1];
        int at = l.indexOf(key);
        int colon = at < 0 ? -1 : l.indexOf(':', at + key.length());
        if (colon < 0) {
            return false;
        }
        String rest = l.substring(colon + 1).strip();
        return rest.startsWith("|") || rest.startsWith(">");
    }

    private void unreadable(String file, String message) {
        problem(file, 1, "file", null, ConditionReason.INVALID_DOCUMENT, message);
    }

    private void problem(String file, int line, String description, ObjectRef object, ConditionReason reason, String message) {
        SourceProblem p = new SourceProblem(object == null ? ObjectRef.file(file) : object, null, reason, message);
        problems.add(p);
        problemPlaces.put(p, new Place(file, line, description, "", path -> line));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
