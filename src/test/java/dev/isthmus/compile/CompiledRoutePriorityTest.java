package dev.isthmus.compile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.compile.policy.BuiltInPolicies;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.Provenance;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceKind;
import dev.isthmus.spec.GatewayRouteSpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CompiledRoute#PRIORITY} below precedence and path: the Kubernetes Gateway API's order for
 * every source (a method match, then more header matches, then more query parameter matches, then
 * the older route, then its object's namespace/name, then the id).
 */
class CompiledRoutePriorityTest {

    static final Instant OLD = Instant.parse("2026-01-01T00:00:00Z");
    static final Instant NEW = Instant.parse("2026-02-01T00:00:00Z");

    @Test
    void aMethodOutranksHeadersWhichOutrankQueryParametersWhichOutrankAge() throws Exception {
        List<CompiledRoute> routes = compile(
                route("file/q2", ObjectRef.file("routes.yaml"), OLD,
                        "match: {path: {prefix: /p}, queryParams: [{name: a, value: '1'}, {name: b, value: '1'}]}"),
                route("file/h1", ObjectRef.file("routes.yaml"), NEW, "match: {path: {prefix: /p}, headers: [{name: x-a, value: '1'}]}"),
                route("file/h2", ObjectRef.file("routes.yaml"), NEW,
                        "match: {path: {prefix: /p}, headers: [{name: x-a, value: '1'}, {name: x-b, value: '1'}]}"),
                route("file/m", ObjectRef.file("routes.yaml"), NEW, "match: {path: {prefix: /p}, methods: [GET]}"),
                route("file/h1q1", ObjectRef.file("routes.yaml"), NEW,
                        "match: {path: {prefix: /p}, headers: [{name: x-a, value: '1'}], queryParams: [{name: a, value: '1'}]}"),
                route("file/old", ObjectRef.file("routes.yaml"), OLD, "hosts: [old.example.com]\nmatch: {path: {prefix: /p}}"),
                route("file/new", ObjectRef.file("routes.yaml"), NEW, "hosts: [new.example.com]\nmatch: {path: {prefix: /p}}"));
        assertThat(routes.stream().sorted(CompiledRoute.PRIORITY).map(CompiledRoute::id))
                .as("two header matches beat one plus a query parameter; a method beats both (the predicate count would not)")
                .containsExactly("file/m", "file/h2", "file/h1q1", "file/h1", "file/q2", "file/old", "file/new");
    }

    @Test
    void routesOfTheSameAgeAreOrderedByTheirObjectsNamespaceAndNameBeforeTheirIds() throws Exception {
        // different hosts, so none conflicts with another: only the order of their candidates is at stake
        List<CompiledRoute> routes = compile(
                route("configmap/zz/routes/r", new ObjectRef(SourceKind.CONFIG_MAP, "zz", "routes"), OLD,
                        "hosts: [a.example.com]\nmatch: {path: {prefix: /p}}"),
                route("httproute/aa/web/rule-00/match-00", new ObjectRef(SourceKind.HTTP_ROUTE, "aa", "web"), OLD,
                        "hosts: [b.example.com]\nmatch: {path: {prefix: /p}}"),
                route("gatewayroute/aa/api", new ObjectRef(SourceKind.GATEWAY_ROUTE, "aa", "api"), OLD,
                        "hosts: [c.example.com]\nmatch: {path: {prefix: /p}}"));
        assertThat(routes.stream().sorted(CompiledRoute.PRIORITY).map(CompiledRoute::id))
                .containsExactly("gatewayroute/aa/api", "httproute/aa/web/rule-00/match-00", "configmap/zz/routes/r");
    }

    static RouteSpec route(String id, ObjectRef object, Instant created, String specYaml) throws Exception {
        GatewayRouteSpec spec = CompileGoldenTest.YAML.readValue(specYaml + "\nbackends: [{url: 'http://10.0.0.1'}]", GatewayRouteSpec.class);
        return new RouteSpec(id, id.substring(id.lastIndexOf('/') + 1), new Provenance(object, 1, created), spec);
    }

    static List<CompiledRoute> compile(RouteSpec... routes) {
        CompileResult result = new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(List.of(routes), List.of());
        assertThat(result.statuses()).as("every route compiles").allMatch(RouteStatus::accepted);
        return new ArrayList<>(result.routes());
    }
}
