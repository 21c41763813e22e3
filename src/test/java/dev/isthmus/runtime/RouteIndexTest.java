package dev.isthmus.runtime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.Provenance;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.source.RoutesDocumentParser;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.compile.policy.BuiltInPolicies;

import static org.assertj.core.api.Assertions.assertThat;

class RouteIndexTest {

    static List<CompiledRoute> compile(String yaml) throws Exception {
        var parsed = RoutesDocumentParser.parse(yaml, ObjectRef.file("t.yaml"), 1, n -> "file/" + n, n -> Instant.EPOCH);
        CompileResult result = new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(parsed.routes(), parsed.problems());
        assertThat(result.statuses()).allMatch(s -> s.accepted(), "all accepted");
        return result.routes();
    }

    static String find(RouteIndex<CompiledRoute> index, String host, String path) {
        CompiledRoute r = index.find(host, path, c -> true);
        return r == null ? null : r.name();
    }

    @Test
    void walksPathSegmentsAndPrefersThePriorityOrder() throws Exception {
        var index = RouteIndex.build(compile("""
                routes:
                  - {name: root, match: {path: {prefix: /}}, backends: [{url: "http://h"}]}
                  - {name: api, match: {path: {prefix: /api}}, backends: [{url: "http://h"}]}
                  - {name: api-v1, match: {path: {prefix: /api/v1/}}, backends: [{url: "http://h"}]}
                  - {name: exact, match: {path: {exact: /api/v1/status}}, backends: [{url: "http://h"}]}
                  - {name: regex, precedence: 1, match: {path: {regex: "^/api/v[0-9]+/items/.*$"}}, backends: [{url: "http://h"}]}
                  - {name: plain-regex, match: {path: {regex: "^/api/v[0-9]+/other$"}}, backends: [{url: "http://h"}]}
                  - {name: boosted, precedence: 1, match: {path: {prefix: /b}}, backends: [{url: "http://h"}]}
                  - {name: deep, match: {path: {prefix: /b/c/d}}, backends: [{url: "http://h"}]}
                """), c -> c);
        assertThat(find(index, null, "/x")).isEqualTo("root");
        assertThat(find(index, null, "/api")).isEqualTo("api");
        assertThat(find(index, null, "/apix")).isEqualTo("root");
        assertThat(find(index, null, "/api/v1")).isEqualTo("api-v1");
        assertThat(find(index, null, "/api/v1/status")).isEqualTo("exact");
        assertThat(find(index, null, "/api/v2/items/9")).isEqualTo("regex");
        assertThat(find(index, null, "/api/v1/items/9")).isEqualTo("regex");
        // without precedence a regex loses to any matching prefix (exact > longer prefix > regex)
        assertThat(find(index, null, "/api/v2/other")).isEqualTo("api");
        assertThat(find(index, null, "/b/c/d/e")).isEqualTo("boosted");
    }

    static final String HOSTS = """
            routes:
              - {name: exact, hosts: [a.example.com], match: {path: {prefix: /x}}, backends: [{url: "http://h"}]}
              - {name: wild, hosts: ["*.example.com"], match: {path: {prefix: /y}}, backends: [{url: "http://h"}]}
              - {name: deeper-wild, hosts: ["*.b.example.com"], match: {path: {prefix: /y}}, backends: [{url: "http://h"}]}
              - {name: any, match: {path: {prefix: /}}, backends: [{url: "http://h"}]}
            """;

    @Test
    void aHostThatHasRoutesIsServedByThemOnlyAsEnvoyVirtualHostsAre() throws Exception {
        var index = RouteIndex.build(compile(HOSTS), c -> c);
        assertThat(find(index, "a.example.com", "/x")).isEqualTo("exact");
        assertThat(find(index, "a.example.com", "/y")).as("a.example.com has routes: no fall-through to *.example.com").isNull();
        assertThat(find(index, "a.example.com", "/z")).as("nor to the any-host routes").isNull();
        assertThat(find(index, "c.example.com", "/y")).isEqualTo("wild");
        assertThat(find(index, "c.example.com", "/z")).isNull();
        assertThat(find(index, "c.b.example.com", "/y")).isEqualTo("deeper-wild");
        assertThat(find(index, "example.com", "/y")).as("a host nobody claims: the default host").isEqualTo("any");
        assertThat(find(index, null, "/x")).isEqualTo("any");
    }

    @Test
    void withFallThroughARequestTriesTheOperatorsLessSpecificRoutesButNeverATenants() throws Exception {
        List<CompiledRoute> routes = new ArrayList<>(compile(HOSTS));
        var parsed = RoutesDocumentParser.parse("""
                routes:
                  - {name: tenant-any, match: {path: {prefix: /t}}, backends: [{url: "http://h"}]}
                """, new ObjectRef(dev.isthmus.model.SourceKind.CONFIG_MAP, "team", "routes"), 1, n -> "configmap/team/routes/" + n, n -> Instant.EPOCH);
        CompileResult tenant = new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(parsed.routes(), parsed.problems());
        routes.addAll(tenant.routes());
        var index = RouteIndex.build(routes, c -> c, true);
        assertThat(find(index, "a.example.com", "/x")).isEqualTo("exact");
        assertThat(find(index, "a.example.com", "/y")).isEqualTo("wild");
        assertThat(find(index, "c.b.example.com", "/y")).isEqualTo("deeper-wild");
        assertThat(find(index, "a.example.com", "/z")).isEqualTo("any");
        assertThat(find(index, "a.example.com", "/t")).as("the tenant's host-less route serves the default host only").isEqualTo("any");
        assertThat(find(index, "unclaimed.example.org", "/t")).isEqualTo("tenant-any");
    }

    @Test
    void findsTheRightRouteAmongTenThousand() throws Exception {
        StringBuilder yaml = new StringBuilder("routes:\n");
        for (int i = 0; i < 10_000; i++) {
            yaml.append("  - {name: r").append(i).append(", match: {path: {prefix: /svc-").append(i)
                    .append("/}}, backends: [{url: \"http://h\"}]}\n");
        }
        var index = RouteIndex.build(compile(yaml.toString()), c -> c);
        assertThat(index.size()).isEqualTo(10_000);
        assertThat(find(index, "any.host", "/svc-0/a")).isEqualTo("r0");
        assertThat(find(index, "any.host", "/svc-9999/a/b")).isEqualTo("r9999");
        assertThat(find(index, "any.host", "/svc-10000/a")).isNull();
    }

    @Test
    void remainingPredicatesPickAmongCandidates() throws Exception {
        List<CompiledRoute> routes = new ArrayList<>(compile("""
                routes:
                  - {name: get, match: {path: {prefix: /m}, methods: [GET]}, backends: [{url: "http://h"}]}
                  - {name: other, match: {path: {prefix: /m}}, backends: [{url: "http://h"}]}
                """));
        var index = RouteIndex.build(routes, c -> c);
        assertThat(index.find(null, "/m", c -> c.match().methods().isEmpty()).name()).isEqualTo("other");
        assertThat(index.find(null, "/m", c -> true).name()).isEqualTo("get");
    }

    @Test
    void hostHeaderNormalization() {
        assertThat(HostHeaders.hostOf("API.Example.COM:8443")).isEqualTo("api.example.com");
        assertThat(HostHeaders.hostOf("example.com.")).isEqualTo("example.com");
        assertThat(HostHeaders.hostOf("[::1]:80")).isEqualTo("[::1]");
        assertThat(HostHeaders.hostOf(null)).isNull();
    }

    static RouteSpec spec(String name, GatewayRouteSpec spec) {
        return new RouteSpec("file/" + name, name, new Provenance(ObjectRef.file("t"), 1, Instant.EPOCH), spec);
    }
}
