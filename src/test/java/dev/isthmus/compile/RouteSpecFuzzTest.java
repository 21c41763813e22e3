package dev.isthmus.compile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.isthmus.model.ObjectRef;
import dev.isthmus.source.RoutesDocumentParser;
import dev.isthmus.compile.policy.BuiltInPolicies;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated bad input: documents made by mutating valid routes (the golden-file corpus) with
 * hostile values — catastrophic-backtracking regexes, huge and negative numbers, unicode and
 * control characters, very long strings, wrong types, missing and duplicated fields. Whatever
 * comes in, the parser and compiler must not throw, must give every route exactly one verdict,
 * must keep the valid routes, must stay fast, and compiled regexes must match in linear time.
 * Seeds are fixed, so a failure reproduces.
 */
class RouteSpecFuzzTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final List<JsonNode> HOSTILE = List.of(
            F.textNode("(a+)+$"), F.textNode("^(x+x+)+y$"), F.textNode("(a|aa)*b"), F.textNode("((((((((((a*)*)*)*)*)*)*)*)*)*)*b"),
            F.textNode("a{1000}{1000}"), F.textNode("[" + "a-z".repeat(500) + "]"), F.textNode("x".repeat(100_000)),
            F.textNode("/" + "a/".repeat(5000)), F.textNode("\u0000\u0001\r\n\t"), F.textNode("bücher.例え.テスト"),
            F.textNode("\u202Eevil\u202C"), F.textNode("*.*.*"), F.textNode("../../etc/passwd"), F.textNode("%00%2f%2e%2e"),
            F.textNode("${jndi:ldap://x}"), F.textNode("{x}"), F.textNode("-5s"), F.textNode("999999999999999999999h"),
            F.textNode("0s"), F.textNode(""), F.textNode(" "), F.numberNode(-1), F.numberNode(Long.MAX_VALUE),
            F.numberNode(Integer.MIN_VALUE), F.numberNode(1e308), F.booleanNode(true), F.nullNode(), F.arrayNode(),
            F.objectNode(), nested(200));

    static JsonNode nested(int depth) {
        ObjectNode root = F.objectNode();
        ObjectNode n = root;
        for (int i = 0; i < depth; i++) {
            n = n.putObject("x");
        }
        return root;
    }

    static Stream<Integer> seeds() {
        return IntStream.range(0, 40).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void hostileDocumentsNeverBreakCompilation(int seed) throws Exception {
        Random random = new Random(seed);
        List<ObjectNode> corpus = corpus();
        ArrayNode routes = F.arrayNode();
        int valid = 0;
        for (int i = 0; i < 30; i++) {
            ObjectNode route = corpus.get(random.nextInt(corpus.size())).deepCopy();
            route.put("name", "r" + i);
            boolean mutated = random.nextInt(3) > 0;
            if (mutated) {
                for (int m = 1 + random.nextInt(3); m > 0; m--) {
                    mutate(route, random);
                }
                route.put("name", "r" + i);
            }
            else {
                valid++;
            }
            routes.add(route);
        }
        ObjectNode doc = F.objectNode();
        doc.set("routes", routes);
        String yaml = YAML.writeValueAsString(doc);

        long start = System.nanoTime();
        RoutesDocumentParser.Result parsed = RoutesDocumentParser.parse(yaml, ObjectRef.file("fuzz.yaml"), 1, n -> "file/" + n,
                n -> Instant.EPOCH);
        CompileResult result = new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(parsed.routes(), parsed.problems());
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(millis).as("compile time for seed %d", seed).isLessThan(5000);
        assertThat(result.statuses().stream().filter(s -> s.routeId() != null).map(RouteStatus::routeId).distinct().count())
                .as("one verdict per route").isEqualTo(30);
        assertThat(result.routes().size()).as("unmutated routes from the golden corpus survive, bar conflicts")
                .isGreaterThanOrEqualTo(Math.min(valid, 1));
        for (RouteStatus s : result.statuses()) {
            assertThat(s.accepted() || (s.reason() != null && s.message() != null && !s.message().isBlank()))
                    .as("a rejection always says why: %s", s).isTrue();
        }
        String longPath = "/" + "a".repeat(20_000) + "b";
        for (CompiledRoute r : result.routes()) {
            match(r, longPath); // warm-up: the first match of a pattern pays for JIT and lazy compilation
            long t = System.nanoTime();
            match(r, longPath);
            // A backtracking engine would need longer than the age of the universe on some of these
            // patterns; RE2 stays linear. The bound leaves room for a loaded CI machine.
            assertThat((System.nanoTime() - t) / 1_000_000).as("matching %s against a 20 kB path", r.id()).isLessThan(1000);
        }
    }

    static void match(CompiledRoute r, String path) {
        r.match().path().matches(path);
        for (ValuePredicate p : r.match().headers()) {
            p.test(List.of(path));
        }
    }

    static void mutate(ObjectNode route, Random random) {
        List<ObjectNode> containers = new ArrayList<>();
        collect(route, containers);
        ObjectNode target = containers.get(random.nextInt(containers.size()));
        List<String> fields = new ArrayList<>();
        target.fieldNames().forEachRemaining(fields::add);
        if (fields.isEmpty()) {
            target.set("unexpected", HOSTILE.get(random.nextInt(HOSTILE.size())).deepCopy());
            return;
        }
        String field = fields.get(random.nextInt(fields.size()));
        switch (random.nextInt(4)) {
            case 0 -> target.remove(field);
            case 1 -> target.set(field + "x", target.get(field));
            default -> target.set(field, HOSTILE.get(random.nextInt(HOSTILE.size())).deepCopy());
        }
    }

    static void collect(JsonNode node, List<ObjectNode> out) {
        if (node instanceof ObjectNode o) {
            out.add(o);
            o.elements().forEachRemaining(c -> collect(c, out));
        }
        else if (node instanceof ArrayNode a) {
            a.elements().forEachRemaining(c -> collect(c, out));
        }
    }

    /** Every route spec of the golden-file inputs that compiles on its own. */
    static List<ObjectNode> corpus() throws Exception {
        List<ObjectNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/compile"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".in.yaml")).sorted().toList()) {
                for (JsonNode r : YAML.readTree(f.toFile()).path("routes")) {
                    ObjectNode spec = (ObjectNode) r.get("spec").deepCopy();
                    String yaml = YAML.writeValueAsString(F.objectNode().set("routes", F.arrayNode().add(spec.put("name", "probe"))));
                    var parsed = RoutesDocumentParser.parse(yaml, ObjectRef.file("probe"), 1, n -> "file/" + n, n -> Instant.EPOCH);
                    var compiled = new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(parsed.routes(), parsed.problems());
                    if (compiled.routes().size() == 1) {
                        spec.remove("name");
                        out.add(spec);
                    }
                }
            }
        }
        return out;
    }
}
