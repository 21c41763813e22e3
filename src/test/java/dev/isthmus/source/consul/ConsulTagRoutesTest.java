package dev.isthmus.source.consul;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.isthmus.source.consul.ConsulTagRoutes.NotExposed;
import dev.isthmus.source.consul.ConsulTagRoutes.Rejected;
import dev.isthmus.source.consul.ConsulTagRoutes.Result;
import dev.isthmus.source.consul.ConsulTagRoutes.Route;
import dev.isthmus.spec.BackendRef;
import dev.isthmus.spec.BackendTls;
import dev.isthmus.spec.UpstreamProtocol;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.LoadBalancerPolicy;

import static org.assertj.core.api.Assertions.assertThat;

class ConsulTagRoutesTest {

    private static Result read(List<String> tags) {
        return ConsulTagRoutes.read("dc1", "inventory", Map.of("n1/inventory-1", tags), false);
    }

    private static GatewayRouteSpec route(Result r) {
        assertThat(r).isInstanceOf(Route.class);
        return ((Route) r).spec();
    }

    private static String rejection(Result r) {
        assertThat(r).isInstanceOf(Rejected.class);
        return ((Rejected) r).message();
    }

    @Test
    void everyTagBecomesPartOfTheRoute() {
        GatewayRouteSpec spec = route(read(List.of("isthmus.enable=true", "isthmus.path=/inventory/", "isthmus.host=inv.example.com",
                "isthmus.rewrite=/", "isthmus.precedence=10", "isthmus.timeout=5s", "isthmus.retries=2", "isthmus.lb=least-request",
                "v2", "team=shop")));

        assertThat(spec.match().path().prefix()).isEqualTo("/inventory/");
        assertThat(spec.hosts()).containsExactly("inv.example.com");
        assertThat(spec.rewrite().prefix()).isEqualTo("/");
        assertThat(spec.precedence()).isEqualTo(10);
        assertThat(spec.timeouts().response()).isEqualTo("5s");
        assertThat(spec.retries().attempts()).isEqualTo(2);
        assertThat(spec.loadBalancer().policy()).isEqualTo(LoadBalancerPolicy.LEAST_REQUEST);
        assertThat(spec.backends()).containsExactly(new BackendRef("consul:dc1/inventory", null, null, null));
    }

    @Test
    void requestBodyLimitAndCompressionTags() {
        GatewayRouteSpec spec = route(read(List.of("isthmus.enable=true", "isthmus.max-request-body=1MB", "isthmus.compression=true")));
        assertThat(spec.maxRequestBody()).isEqualTo("1MB");
        assertThat(spec.compression()).isTrue();
        GatewayRouteSpec plain = route(read(List.of("isthmus.enable=true")));
        assertThat(plain.maxRequestBody()).isNull();
        assertThat(plain.compression()).isNull();

        String both = rejection(read(List.of("isthmus.enable=true", "isthmus.max-request-body=1 meg", "isthmus.compression=yes")));
        assertThat(both).contains("isthmus.max-request-body=1 meg: '1 meg' is not a size (examples: 65536, 512KB, 10MB, 1GB)")
                .contains("isthmus.compression=yes: expected true or false");
        assertThat(rejection(read(List.of("isthmus.enable=true", "isthmus.max-request-body=100GB"))))
                .contains("isthmus.max-request-body=100GB: more than the maximum of 64GB");
    }

    @Test
    void protocolAndTlsTags() {
        BackendRef h2c = route(read(List.of("isthmus.enable=true", "isthmus.protocol=h2c"))).backends().get(0);
        assertThat(h2c.protocol()).isEqualTo(UpstreamProtocol.H2C);
        assertThat(h2c.tls()).isNull();

        BackendRef tls = route(read(List.of("isthmus.enable=true", "isthmus.tls=true", "isthmus.tls-server-name=inventory.service.consul")))
                .backends().get(0);
        assertThat(tls.protocol()).isNull();
        // only a server name: trust and client certificate are the gateway's own (isthmus.upstream.tls.*)
        assertThat(tls.tls()).isEqualTo(new BackendTls(null, null, "inventory.service.consul", null, null));

        BackendRef h2 = route(read(List.of("isthmus.enable=true", "isthmus.protocol=h2"))).backends().get(0);
        assertThat(h2.protocol()).isEqualTo(UpstreamProtocol.H2);
        assertThat(h2.tls()).isNull(); // compiled to TLS with the gateway's defaults (BackendCompiler)

        assertThat(route(read(List.of("isthmus.enable=true", "isthmus.tls=false"))).backends().get(0).tls()).isNull();

        String bad = rejection(read(List.of("isthmus.enable=true", "isthmus.protocol=grpc", "isthmus.tls=yes",
                "isthmus.tls-server-name=not a name")));
        assertThat(bad).contains("isthmus.protocol=grpc: expected http1, h2c or h2").contains("isthmus.tls=yes: expected true or false")
                .contains("isthmus.tls-server-name=not a name: expected a DNS name");
        assertThat(rejection(read(List.of("isthmus.enable=true", "isthmus.protocol=h2c", "isthmus.tls=true"))))
                .contains("isthmus.protocol=h2c is HTTP/2 in clear text");
        assertThat(rejection(read(List.of("isthmus.enable=true", "isthmus.protocol=h2", "isthmus.tls=false"))))
                .contains("isthmus.protocol=h2 is HTTP/2 over TLS");
        assertThat(rejection(read(List.of("isthmus.enable=true", "isthmus.tls-server-name=a.example.com"))))
                .contains("isthmus.tls-server-name needs isthmus.tls=true or isthmus.protocol=h2");
    }

    @Test
    void aTagReferencesANamedPolicyAndCannotDefineOne() {
        GatewayRouteSpec spec = route(read(List.of("isthmus.enable=true", "isthmus.auth=partners")));
        assertThat(spec.auth().policy()).isEqualTo("partners");
        assertThat(spec.auth().jwt()).isNull();
        assertThat(spec.auth().forward()).isNull();
        assertThat(spec.auth().basic()).isNull();

        assertThat(rejection(read(List.of("isthmus.enable=true", "isthmus.auth=Not A Name")))).contains("isthmus.auth=Not A Name")
                .contains("expected the name of a policy");
        assertThat(rejection(read(List.of("isthmus.enable=true", "isthmus.auth.jwt.jwksUri=https://evil.example/keys"))))
                .as("whoever registers in Consul cannot point the gateway at a key server").contains("unknown tag isthmus.auth.jwt.jwksUri");
        assertThat(rejection(read(List.of("isthmus.enable=true", "isthmus.auth.forward.url=https://evil.example/")))).contains("unknown tag");
    }

    @Test
    void withoutAPathTheRouteServesTheServiceNameAndRewritesToRoot() {
        GatewayRouteSpec spec = route(read(List.of("isthmus.enable=true")));
        assertThat(spec.match().path().prefix()).isEqualTo("/inventory/");
        assertThat(spec.rewrite().prefix()).isEqualTo("/");
        assertThat(spec.hosts()).isNull();
        assertThat(spec.timeouts()).isNull();

        GatewayRouteSpec rewritten = route(read(List.of("isthmus.enable=true", "isthmus.rewrite=/api/")));
        assertThat(rewritten.match().path().prefix()).isEqualTo("/inventory/");
        assertThat(rewritten.rewrite().prefix()).isEqualTo("/api/");
    }

    @Test
    void aPathWithoutRewriteKeepsThePath() {
        GatewayRouteSpec spec = route(read(List.of("isthmus.enable=true", "isthmus.path=/inv/")));
        assertThat(spec.rewrite()).isNull();
    }

    @Test
    void severalHostsAreCommaSeparated() {
        GatewayRouteSpec spec = route(read(List.of("isthmus.enable=true", "isthmus.host=a.example.com, b.example.com")));
        assertThat(spec.hosts()).containsExactly("a.example.com", "b.example.com");
    }

    @Test
    void servicesWithoutEnableAreNotExposedUnlessExposedByDefault() {
        assertThat(read(List.of("isthmus.path=/x/"))).isInstanceOf(NotExposed.class);
        assertThat(read(List.of("isthmus.enable=false"))).isInstanceOf(NotExposed.class);
        assertThat(ConsulTagRoutes.read("dc1", "inventory", Map.of("i", List.of()), true)).isInstanceOf(Route.class);
        assertThat(ConsulTagRoutes.read("dc1", "inventory", Map.of("i", List.of("isthmus.enable=false")), true)).isInstanceOf(NotExposed.class);
        // Consul's own servers: their port is RPC, not HTTP
        assertThat(ConsulTagRoutes.read("dc1", "consul", Map.of("i", List.of()), true)).isInstanceOf(NotExposed.class);
    }

    @Test
    void invalidValuesAreAllReportedAtOnce() {
        String message = rejection(read(List.of("isthmus.enable=true", "isthmus.timeout=5 parsecs", "isthmus.precedence=high",
                "isthmus.path=inventory", "isthmus.lb=fastest", "isthmus.retries=99")));
        assertThat(message).startsWith("service inventory in dc1: ")
                .contains("isthmus.timeout=5 parsecs: '5 parsecs' is not a duration")
                .contains("isthmus.precedence=high: not a whole number")
                .contains("isthmus.path=inventory: must start with /")
                .contains("isthmus.lb=fastest: expected round-robin, least-request or random")
                .contains("isthmus.retries=99: must be between 0 and 10");
    }

    @Test
    void unknownKeysTagsWithoutValueAndBadEnableAreRejected() {
        assertThat(rejection(read(List.of("isthmus.enable=true", "isthmus.pth=/x/")))).contains("unknown tag isthmus.pth");
        assertThat(rejection(read(List.of("isthmus.enable")))).contains("tag isthmus.enable has no value");
        assertThat(rejection(read(List.of("isthmus.enable=yes")))).contains("isthmus.enable=yes: expected true or false");
    }

    @Test
    void consistentHashingCannotBeDeclaredByTags() {
        assertThat(rejection(read(List.of("isthmus.enable=true", "isthmus.lb=consistent-hash")))).contains("cannot give");
    }

    @Test
    void instancesThatAgreeOrStaySilentMerge() {
        Map<String, List<String>> tags = new LinkedHashMap<>();
        tags.put("n2/inventory-2", List.of("isthmus.enable=true", "isthmus.path=/inv/"));
        tags.put("n1/inventory-1", List.of("isthmus.enable=true", "isthmus.timeout=2s"));
        tags.put("n3/inventory-3", List.of());
        GatewayRouteSpec spec = route(ConsulTagRoutes.read("dc1", "inventory", tags, false));
        assertThat(spec.match().path().prefix()).isEqualTo("/inv/");
        assertThat(spec.timeouts().response()).isEqualTo("2s");
    }

    @Test
    void instancesThatDisagreeRejectTheServiceNamingThem() {
        Map<String, List<String>> tags = new LinkedHashMap<>();
        tags.put("n2/inventory-2", List.of("isthmus.enable=true", "isthmus.path=/b/"));
        tags.put("n1/inventory-1", List.of("isthmus.enable=true", "isthmus.path=/a/"));
        tags.put("n3/inventory-3", List.of("isthmus.enable=true", "isthmus.path=/a/"));
        assertThat(rejection(ConsulTagRoutes.read("dc1", "inventory", tags, false)))
                .contains("conflicting values for isthmus.path: '/a/' on n1/inventory-1, n3/inventory-3 vs '/b/' on n2/inventory-2");
    }

    @Test
    void duplicateKeysOnOneInstanceWithDifferentValuesConflict() {
        assertThat(rejection(read(List.of("isthmus.enable=true", "isthmus.path=/a/", "isthmus.path=/b/"))))
                .contains("conflicting values for isthmus.path");
        assertThat(read(List.of("isthmus.enable=true", "isthmus.path=/a/", "isthmus.path=/a/"))).isInstanceOf(Route.class);
    }

    @Test
    void enableConflictsAreReportedNotIgnored() {
        Map<String, List<String>> tags = Map.of("a", List.of("isthmus.enable=true"), "b", List.of("isthmus.enable=false"));
        assertThat(rejection(ConsulTagRoutes.read("dc1", "inventory", tags, false))).contains("conflicting values for isthmus.enable");
    }

    @Test
    void theResultDoesNotDependOnInstanceOrder() {
        Map<String, List<String>> one = new LinkedHashMap<>();
        one.put("a", List.of("isthmus.enable=true", "isthmus.path=/x/"));
        one.put("b", List.of("isthmus.path=/y/"));
        Map<String, List<String>> other = new LinkedHashMap<>();
        other.put("b", List.of("isthmus.path=/y/"));
        other.put("a", List.of("isthmus.enable=true", "isthmus.path=/x/"));
        assertThat(ConsulTagRoutes.read("dc1", "s", one, false)).isEqualTo(ConsulTagRoutes.read("dc1", "s", other, false));
    }

    @Test
    void idsAndObjectsNameDatacenterAndService() {
        assertThat(ConsulTagRoutes.routeId("dc1", "inventory")).isEqualTo("consul/dc1/inventory");
        assertThat(ConsulTagRoutes.object("dc1", "inventory").toString()).isEqualTo("consul/dc1/inventory");
    }
}
