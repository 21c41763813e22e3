package dev.isthmus.status;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.compile.policy.BuiltInPolicies;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.model.Provenance;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.source.RoutesDocumentParser;
import dev.isthmus.source.consul.ConsulTagRoutes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verdict document a VM owner reads from Consul KV, computed from real compile results of
 * real tag readings, and the comparison the writer uses to write only what changed.
 */
class ConsulVerdictsTest {

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final String PREFIX = "isthmus/status";

    /** What the Consul route source hands the compiler for these services' tags (service -> tags, with their index). */
    static CompileResult compile(Map<String, List<String>> tagsByService, long index) {
        List<RouteSpec> routes = new ArrayList<>();
        List<SourceProblem> problems = new ArrayList<>();
        tagsByService.forEach((service, tags) -> {
            String id = ConsulTagRoutes.routeId("dc1", service);
            ConsulTagRoutes.Result r = ConsulTagRoutes.read("dc1", service, Map.of(service + "-1", tags), false);
            if (r instanceof ConsulTagRoutes.Route route) {
                routes.add(new RouteSpec(id, service, new Provenance(ConsulTagRoutes.object("dc1", service), index, T0), route.spec()));
            }
            else if (r instanceof ConsulTagRoutes.Rejected rejected) {
                problems.add(new SourceProblem(ConsulTagRoutes.object("dc1", service), id, ConditionReason.INVALID_TAG, rejected.message(), index));
            }
        });
        return new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(routes, problems);
    }

    static JsonNode json(byte[] document) throws Exception {
        return new ObjectMapper().readTree(document);
    }

    @Test
    void anAcceptedAndARejectedServiceEachGetTheirDocument() throws Exception {
        CompileResult result = compile(Map.of(
                "orders", List.of("isthmus.enable=true", "isthmus.path=/orders/"),
                "billing", List.of("isthmus.enable=true", "isthmus.timeout=soon", "isthmus.colour=blue")), 42);

        Map<String, ConsulVerdicts.Verdict> verdicts = ConsulVerdicts.of(result, PREFIX);
        assertThat(verdicts).containsOnlyKeys("isthmus/status/dc1/orders", "isthmus/status/dc1/billing");

        JsonNode orders = json(ConsulVerdicts.document(verdicts.get("isthmus/status/dc1/orders"), "isthmus-7f9c-1a2b3c4d", T0));
        assertThat(orders.get("accepted").asBoolean()).isTrue();
        assertThat(orders.get("datacenter").asText()).isEqualTo("dc1");
        assertThat(orders.get("service").asText()).isEqualTo("orders");
        assertThat(orders.get("generation").asLong()).isEqualTo(42);
        assertThat(orders.get("gateway").asText()).isEqualTo("isthmus-7f9c-1a2b3c4d");
        assertThat(orders.get("updatedAt").asText()).isEqualTo("2026-12-01T10:00:00Z");
        assertThat(orders.get("routes")).hasSize(1);
        assertThat(orders.at("/routes/0/id").asText()).isEqualTo("consul/dc1/orders");
        assertThat(orders.at("/routes/0/accepted").asBoolean()).isTrue();
        assertThat(orders.at("/routes/0/reasons")).isEmpty();

        JsonNode billing = json(ConsulVerdicts.document(verdicts.get("isthmus/status/dc1/billing"), "g", T0));
        assertThat(billing.get("accepted").asBoolean()).isFalse();
        assertThat(billing.get("generation").asLong()).isEqualTo(42);
        assertThat(billing.at("/routes/0/id").asText()).isEqualTo("consul/dc1/billing");
        assertThat(billing.at("/routes/0/accepted").asBoolean()).isFalse();
        assertThat(billing.at("/routes/0/reasons/0/reason").asText()).isEqualTo("InvalidTag");
        // every problem at once, naming the tag
        assertThat(billing.at("/routes/0/reasons/0/message").asText()).contains("isthmus.timeout=soon").contains("unknown tag isthmus.colour");
    }

    @Test
    void aRouteTheCompilerRefusesIsRejectedWithTheCompilersReason() throws Exception {
        // the tags read fine, but the regex-free path is shadowed: two services claim the same path on the default host
        CompileResult result = compile(Map.of(
                "a", List.of("isthmus.enable=true", "isthmus.path=/same/"),
                "b", List.of("isthmus.enable=true", "isthmus.path=/same/")), 7);
        Map<String, ConsulVerdicts.Verdict> verdicts = ConsulVerdicts.of(result, PREFIX);
        assertThat(verdicts).hasSize(2);
        List<ConsulVerdicts.Verdict> rejected = verdicts.values().stream().filter(v -> !v.accepted()).toList();
        assertThat(rejected).singleElement().satisfies(v -> {
            assertThat(v.routes().get(0).reasons()).isNotEmpty();
            assertThat(v.routes().get(0).reasons().get(0).reason()).isNotEqualTo("InvalidTag").isNotBlank();
        });
    }

    @Test
    void aStoredDocumentReadsBackAsTheSameVerdictWhoeverWroteItAndWhen() {
        CompileResult result = compile(Map.of("orders", List.of("isthmus.enable=true", "isthmus.timeout=2x")), 5);
        ConsulVerdicts.Verdict v = ConsulVerdicts.of(result, PREFIX).get("isthmus/status/dc1/orders");
        byte[] stored = ConsulVerdicts.document(v, "replica-a", T0);

        // another compilation of the same tags, another replica, later: nothing to write
        ConsulVerdicts.Verdict again = ConsulVerdicts.of(compile(Map.of("orders", List.of("isthmus.enable=true", "isthmus.timeout=2x")), 5),
                PREFIX).get("isthmus/status/dc1/orders");
        assertThat(ConsulVerdicts.read(stored)).isEqualTo(again);
        assertThat(ConsulVerdicts.document(again, "replica-b", T0.plusSeconds(60))).isNotEqualTo(stored);

        // the tag fixed: the verdict differs (a write), and so does a new index alone
        ConsulVerdicts.Verdict fixed = ConsulVerdicts.of(compile(Map.of("orders", List.of("isthmus.enable=true", "isthmus.timeout=2s")), 9),
                PREFIX).get("isthmus/status/dc1/orders");
        assertThat(fixed.accepted()).isTrue();
        assertThat(ConsulVerdicts.read(stored)).isNotEqualTo(fixed);
        ConsulVerdicts.Verdict reindexed = ConsulVerdicts.of(compile(Map.of("orders", List.of("isthmus.enable=true", "isthmus.timeout=2x")), 6),
                PREFIX).get("isthmus/status/dc1/orders");
        assertThat(ConsulVerdicts.read(stored)).isNotEqualTo(reindexed);
    }

    @Test
    void somethingElseAtTheKeyIsNoVerdict() {
        assertThat(ConsulVerdicts.read("not json".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ConsulVerdicts.read("{\"hello\": 1}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ConsulVerdicts.read(new byte[0])).isNull();
    }

    @Test
    void routesOfOtherSourcesAndServicesWithoutRoutesGetNoDocument() throws Exception {
        var parsed = RoutesDocumentParser.parse("routes:\n  - name: f\n    match: {path: {prefix: /f/}}\n    backends: [{url: \"http://127.0.0.1:9\"}]\n",
                dev.isthmus.model.ObjectRef.file("routes.yaml"), 1, n -> "file/" + n, n -> T0);
        List<RouteSpec> routes = new ArrayList<>(parsed.routes());
        CompileResult withFile = new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(routes, List.of());
        assertThat(ConsulVerdicts.of(withFile, PREFIX)).isEmpty();
        // isthmus.enable=false: not exposed, so no route and no document
        assertThat(ConsulVerdicts.of(compile(Map.of("quiet", List.of("isthmus.enable=false")), 3), PREFIX)).isEmpty();
    }
}
