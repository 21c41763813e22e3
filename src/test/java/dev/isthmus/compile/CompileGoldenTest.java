package dev.isthmus.compile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.config.OwnershipAutoConfiguration;
import dev.isthmus.config.OwnershipProperties;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.ReferenceGrant;
import dev.isthmus.model.PolicyDefinition;
import dev.isthmus.model.Provenance;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceKind;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.NamedPolicy;
import dev.isthmus.compile.policy.BuiltInPolicies;
import dev.isthmus.model.ConditionReason;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden files for the compile step, in the manner of Envoy Gateway's translator tests: each
 * {@code src/test/resources/compile/NAME.in.yaml} holds routes as sources would emit them, and
 * {@code NAME.out.yaml} the compiled routes and the verdict for every route. Adding a case means
 * adding a file. Regenerate after an intended change with {@code -Dgolden.update=true} and review
 * the diff.
 */
public class CompileGoldenTest {

    public static final Path DIR = Path.of("src/test/resources/compile");
    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.USE_NATIVE_TYPE_ID)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)).registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    public static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".in.yaml"))
                    .map(n -> n.substring(0, n.length() - ".in.yaml".length())).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void compilesAsRecorded(String name) throws IOException {
        CompileResult result = compile(YAML.readTree(DIR.resolve(name + ".in.yaml").toFile()));

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("routes", result.routes());
        out.put("statuses", result.statuses());
        if (!result.hostOwners().isEmpty()) {
            out.put("hostOwners", result.hostOwners());
        }
        String actual = YAML.writeValueAsString(out);
        Path expectedFile = DIR.resolve(name + ".out.yaml");
        if (Boolean.getBoolean("golden.update") || !Files.exists(expectedFile)) {
            Files.writeString(expectedFile, actual);
        }
        assertThat(actual).as("compiled output of %s (regenerate with -Dgolden.update=true)", name)
                .isEqualTo(Files.readString(expectedFile));
    }

    /**
     * The case's compile settings: {@code defaultNamespace}, and {@code ownership} as
     * {@code isthmus.ownership.*} would be written in application.yaml (bound by Spring's Binder, so
     * the cases use the real property names), with {@code gateway.ports} and
     * {@code gateway.addresses} standing for the listening ports and interface addresses. Without
     * {@code ownership}, the open policy of unit tests.
     */
    public static CompileSettings settings(JsonNode in) {
        String namespace = in.path("defaultNamespace").asText("default");
        if (!in.has("ownership")) {
            return new CompileSettings(namespace);
        }
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("isthmus.ownership", in.get("ownership"), flat);
        OwnershipProperties properties = new Binder(new MapConfigurationPropertySource(flat))
                .bindOrCreate("isthmus.ownership", OwnershipProperties.class);
        Set<Integer> ports = new TreeSet<>();
        in.path("gateway").path("ports").forEach(p -> ports.add(p.asInt()));
        List<String> addresses = new ArrayList<>();
        in.path("gateway").path("addresses").forEach(a -> addresses.add(a.asText()));
        DestinationGuard guard = OwnershipAutoConfiguration.guard(properties, ports, addresses);
        return new CompileSettings(namespace, OwnershipAutoConfiguration.policy(properties, guard));
    }

    private static void flatten(String prefix, JsonNode node, Map<String, Object> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix + "." + e.getKey(), e.getValue(), out));
        }
        else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(prefix + "[" + i + "]", node.get(i), out);
            }
        }
        else {
            out.put(prefix, node.asText());
        }
    }

    /** The case's {@code referenceGrants}: ReferenceGrant objects as a ReferenceGrant informer reports them. */
    public static List<ReferenceGrant> grants(JsonNode in) throws IOException {
        List<ReferenceGrant> grants = new ArrayList<>();
        for (JsonNode g : in.path("referenceGrants")) {
            grants.add(YAML.treeToValue(g, ReferenceGrant.class));
        }
        return grants;
    }

    /**
     * Compiles a case: {@code routes} (each with its {@code source}), {@code policies} (named policies as
     * sources declare them: {@code name}, {@code source}, {@code spec}; gateway-wide when the source is a
     * file), {@code gatewayPolicies} (the operator's, {@code isthmus.auth.policies}: name to spec),
     * {@code problems} (what sources could not read), {@code defaultNamespace}, and the ownership
     * inputs of {@link #settings} and {@link #grants}.
     */
    public static CompileResult compile(JsonNode in) throws IOException {
        List<PolicyDefinition> operator = new ArrayList<>();
        for (var e : (Iterable<Map.Entry<String, JsonNode>>) in.path("gatewayPolicies")::fields) {
            operator.add(new PolicyDefinition(e.getKey(), new ObjectRef(SourceKind.PROPERTIES, null, "isthmus.auth.policies." + e.getKey()), true,
                    YAML.treeToValue(e.getValue(), NamedPolicy.class)));
        }
        CompileSettings base = settings(in);
        CompileSettings settings = new CompileSettings(base.defaultNamespace(), operator, base.ownership());
        List<RouteSpec> routes = new ArrayList<>();
        for (JsonNode r : in.path("routes")) {
            routes.add(route(r));
        }
        List<PolicyDefinition> policies = new ArrayList<>();
        for (JsonNode d : in.path("policies")) {
            ObjectRef object = ref(d.get("source"));
            policies.add(new PolicyDefinition(d.get("name").asText(), object, object.kind() == SourceKind.FILE,
                    YAML.treeToValue(d.get("spec"), NamedPolicy.class)));
        }
        List<SourceProblem> problems = new ArrayList<>();
        for (JsonNode p : in.path("problems")) {
            problems.add(new SourceProblem(ref(p.get("source")), p.path("routeId").asText(null), ConditionReason.of(p.get("reason").asText()),
                    p.get("message").asText()));
        }
        return new RouteCompiler(settings, BuiltInPolicies.compilers()).compile(routes, policies, problems, grants(in));
    }

    public static RouteSpec route(JsonNode r) throws IOException {
        ObjectRef object = ref(r.get("source"));
        Instant created = r.has("created") ? Instant.parse(r.get("created").asText()) : Instant.EPOCH;
        GatewayRouteSpec spec = YAML.treeToValue(r.get("spec"), GatewayRouteSpec.class);
        String name = r.get("name").asText();
        String id = r.has("id") ? r.get("id").asText() : "file/" + name;
        Set<String> tags = new TreeSet<>();
        r.path("tags").forEach(t -> tags.add(t.asText()));
        return new RouteSpec(id, name, new Provenance(object, r.path("generation").asLong(1), created, tags), spec);
    }

    public static ObjectRef ref(JsonNode source) {
        if (source == null) {
            return ObjectRef.file("routes.yaml");
        }
        ObjectNode s = (ObjectNode) source;
        return new ObjectRef(SourceKind.valueOf(s.get("kind").asText()), s.path("namespace").asText(null), s.get("name").asText());
    }
}
