package dev.isthmus.status;

import java.time.Instant;
import java.util.List;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.compile.RouteStatus;
import dev.isthmus.discovery.Instance;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.SourceKind;
import dev.isthmus.source.RoutesDocumentParser;
import dev.isthmus.spec.GatewayRouteStatus;
import dev.isthmus.source.kubernetes.GatewayRouteSource;
import dev.isthmus.compile.policy.BuiltInPolicies;

import static org.assertj.core.api.Assertions.assertThat;

/** The status a GatewayRoute should have: conditions, their reasons and messages, and their transition times. */
class RouteConditionsTest {

    static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
    static final Instant T1 = Instant.parse("2026-01-01T11:00:00.750Z");
    static final ObjectRef REF = new ObjectRef(SourceKind.GATEWAY_ROUTE, "shop", "quote");

    record Compiled(RouteStatus verdict, CompiledRoute route) {
    }

    static Compiled compile(String entry, long generation) {
        try {
            var parsed = RoutesDocumentParser.parse("routes:\n  - name: quote\n" + entry.indent(4), REF, generation,
                    n -> GatewayRouteSource.routeId("shop", n), n -> T0);
            CompileResult result = new RouteCompiler(new CompileSettings("default"), BuiltInPolicies.compilers()).compile(parsed.routes(), parsed.problems());
            return new Compiled(result.statuses().get(0), result.routes().isEmpty() ? null : result.routes().get(0));
        }
        catch (RoutesDocumentParser.InvalidDocumentException e) {
            throw new AssertionError(e);
        }
    }

    static List<Instance> some(BackendTarget.Service s) {
        return List.of(Instance.of("10.0.0.1", 8080, BackendTarget.Registry.KUBERNETES));
    }

    static Condition condition(GatewayRouteStatus s, String type) {
        return s.conditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void anAcceptedRouteWithResolvedBackends() {
        Compiled c = compile("match: {path: {prefix: /q/}}\nbackends: [{service: quote}]", 3);
        GatewayRouteStatus s = RouteConditions.desired(c.verdict(), c.route(), RouteConditionsTest::some, null, T1);
        assertThat(s.observedGeneration()).isEqualTo(3L);
        assertThat(s.conditions()).extracting(Condition::getType).containsExactly("Accepted", "ResolvedRefs");
        Condition accepted = condition(s, "Accepted");
        assertThat(accepted.getStatus()).isEqualTo("True");
        assertThat(accepted.getReason()).isEqualTo("Accepted");
        assertThat(accepted.getMessage()).isEmpty();
        assertThat(accepted.getObservedGeneration()).isEqualTo(3L);
        assertThat(accepted.getLastTransitionTime()).isEqualTo("2026-01-01T11:00:00Z");
        assertThat(condition(s, "ResolvedRefs").getStatus()).isEqualTo("True");
        assertThat(condition(s, "ResolvedRefs").getReason()).isEqualTo("ResolvedRefs");
    }

    @Test
    void backendsWithoutInstancesAreNamedAsWritten() {
        Compiled c = compile("""
                match: {path: {prefix: /q/}}
                backends:
                  - {service: quote, port: http, weight: 90}
                  - {service: quote-canary, weight: 10}
                  - {service: "k8s:shop/legacy", weight: 5}
                  - {service: parked, weight: 0}
                  - {url: "http://10.0.0.5:8080"}
                mirror: {service: shadow}
                """, 1);
        GatewayRouteStatus s = RouteConditions.desired(c.verdict(), c.route(),
                svc -> svc.name().equals("quote") ? some(svc) : List.of(), null, T1);
        Condition resolved = condition(s, "ResolvedRefs");
        assertThat(resolved.getStatus()).isEqualTo("False");
        assertThat(resolved.getReason()).isEqualTo("BackendNotFound");
        assertThat(resolved.getMessage()).as("weight-0 backends are out of rotation and not checked")
                .isEqualTo("service k8s:shop/quote-canary: no instances; service k8s:shop/legacy: no instances; mirror service k8s:shop/shadow: no instances");
        assertThat(condition(s, "Accepted").getStatus()).isEqualTo("True");

        Compiled single = compile("match: {path: {prefix: /q/}}\nbackends: [{service: quote-canary, port: http}]", 1);
        assertThat(condition(RouteConditions.desired(single.verdict(), single.route(), svc -> List.of(), null, T1), "ResolvedRefs").getMessage())
                .isEqualTo("service k8s:shop/quote-canary (port http): no instances");
    }

    @Test
    void anUnusableBasicAuthSecretIsInvalidSecretAndNamesTheSecretNotItsContent() {
        Compiled c = compile("match: {path: {prefix: /q/}}\nbackends: [{service: quote}]\nauth: {basic: {secretRef: {name: users}}}", 2);
        assertThat(c.verdict().accepted()).as(c.verdict().message()).isTrue();
        GatewayRouteStatus missing = RouteConditions.desired(c.verdict(), c.route(), svc -> List.of(),
                source -> "secret " + source.namespace() + "/" + source.secret() + " not found", null, T1);
        Condition resolved = condition(missing, "ResolvedRefs");
        assertThat(resolved.getStatus()).isEqualTo("False");
        assertThat(resolved.getReason()).isEqualTo("InvalidSecret");
        assertThat(resolved.getMessage()).startsWith("auth.basic secret shop/users key .htpasswd: secret shop/users not found")
                .as("backends without instances are still named").contains("quote");
        assertThat(condition(missing, "Accepted").getStatus()).as("the route is valid: it serves, and lets nobody in").isEqualTo("True");

        GatewayRouteStatus fine = RouteConditions.desired(c.verdict(), c.route(), RouteConditionsTest::some, source -> null, null, T1);
        assertThat(condition(fine, "ResolvedRefs").getReason()).isEqualTo("ResolvedRefs");
    }

    @Test
    void aRejectedRouteCarriesTheCompilersReasonAndMessage() {
        Compiled c = compile("match: {path: {regex: \"/(a\"}}\nbackends: [{url: \"http://10.0.0.5\"}]", 2);
        GatewayRouteStatus s = RouteConditions.desired(c.verdict(), c.route(), RouteConditionsTest::some, null, T1);
        assertThat(c.verdict().accepted()).isFalse();
        assertThat(condition(s, "Accepted").getStatus()).isEqualTo("False");
        assertThat(condition(s, "Accepted").getReason()).isEqualTo(c.verdict().reason().value()).hasToString("InvalidPath");
        assertThat(condition(s, "Accepted").getMessage()).isEqualTo(c.verdict().message());
        assertThat(condition(s, "ResolvedRefs").getStatus()).isEqualTo("Unknown");
        assertThat(condition(s, "ResolvedRefs").getReason()).isEqualTo("NotAccepted");
        assertThat(s.observedGeneration()).isEqualTo(2L);
    }

    @Test
    void transitionTimesMoveOnlyWhenAStatusFlipsAndOtherConditionsAreKept() {
        Condition foreign = new ConditionBuilder().withType("Programmed").withStatus("True").withReason("Done")
                .withLastTransitionTime("2025-12-31T00:00:00Z").build();
        Compiled v1 = compile("match: {path: {prefix: /q/}}\nbackends: [{service: quote}]", 1);
        GatewayRouteStatus first = RouteConditions.desired(v1.verdict(), v1.route(), RouteConditionsTest::some, null, T0);
        first = new GatewayRouteStatus(first.observedGeneration(), List.of(first.conditions().get(0), first.conditions().get(1), foreign));

        // a new generation, still accepted, but its backend lost its instances
        Compiled v2 = compile("match: {path: {prefix: /q2/}}\nbackends: [{service: quote}]", 2);
        GatewayRouteStatus second = RouteConditions.desired(v2.verdict(), v2.route(), svc -> List.of(), first, T1);
        assertThat(condition(second, "Accepted").getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
        assertThat(condition(second, "Accepted").getObservedGeneration()).isEqualTo(2L);
        assertThat(condition(second, "ResolvedRefs").getLastTransitionTime()).isEqualTo("2026-01-01T11:00:00Z");
        assertThat(second.conditions()).contains(foreign);
        assertThat(RouteConditions.same(second, first)).isFalse();

        // recomputed from itself: the same, so nothing to write
        GatewayRouteStatus again = RouteConditions.desired(v2.verdict(), v2.route(), svc -> List.of(), second, T1.plusSeconds(60));
        assertThat(RouteConditions.same(again, second)).isTrue();
    }

    @Test
    void sameIgnoresConditionOrderAndEmptyVersusMissingMessages() {
        Condition a = new ConditionBuilder().withType("Accepted").withStatus("True").withReason("Accepted").withMessage("")
                .withObservedGeneration(1L).withLastTransitionTime("2026-01-01T10:00:00Z").build();
        Condition r = new ConditionBuilder().withType("ResolvedRefs").withStatus("True").withReason("ResolvedRefs")
                .withObservedGeneration(1L).withLastTransitionTime("2026-01-01T10:00:00.000Z").build();
        Condition r2 = new ConditionBuilder(r).withMessage("").withLastTransitionTime("2026-01-01T10:00:00Z").build();
        assertThat(RouteConditions.same(new GatewayRouteStatus(1L, List.of(a, r)), new GatewayRouteStatus(1L, List.of(r2, a)))).isTrue();
        assertThat(RouteConditions.same(new GatewayRouteStatus(1L, List.of(a, r)), new GatewayRouteStatus(2L, List.of(a, r)))).isFalse();
        assertThat(RouteConditions.same(new GatewayRouteStatus(1L, List.of(a, r)), null)).isFalse();
    }
}
