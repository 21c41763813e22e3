package dev.isthmus.security;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.discovery.consul.ConsulServiceRegistry;
import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.TestNetwork;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What whoever can register a service in Consul can try (security review, issue 16), against a
 * real agent, a real API server and the product's default destination rules (loopback denied):
 * instances at the metadata address or at the gateway's own traffic and management ports, used by
 * a tag route and by a routes-file {@code consul:} backend, are never connected to; tag routes
 * with the highest precedence, a longer prefix or {@code /} on a host a GatewayRoute holds never
 * move its traffic. The upstreams are in a network namespace (TestNetwork) so that the attacker's
 * instance is one the gateway would otherwise route to, which a control service proves.
 */
class ConsulHostileRegistrationsIT {

    static final String NS = "consul-hostile";
    static final String HOST = "shop.example.com";
    static final ObjectMapper JSON = new ObjectMapper();

    static KubeApiServer api;
    static KubernetesClient kube;
    static ConsulServer consul;
    static EchoServer victim;
    static EchoServer attacker;
    static GatewayApp gateway;
    static ListAppender<ILoggingEvent> registryLog;

    @BeforeAll
    static void start() {
        api = KubeApiServer.shared();
        kube = api.client();
        KubeFixtures.installCrd(kube);
        KubeFixtures.createNamespace(kube, NS);
        victim = EchoServer.start("victim", TestNetwork.shared());
        attacker = EchoServer.start("attacker", TestNetwork.shared());
        kube.services().inNamespace(NS).resource(KubeFixtures.service(NS, "web", KubeFixtures.port("http", 80))).serverSideApply();
        kube.discovery().v1().endpointSlices().inNamespace(NS).resource(KubeFixtures.slice(NS, "web-1", "web",
                List.of(KubeFixtures.slicePort("http", victim.port())), List.of(KubeFixtures.endpoint(victim.host(), true, false))))
                .serverSideApply();
        consul = ConsulServer.start();

        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        props.putAll(ConsulTestSupport.gatewayProperties(consul));
        props.put("isthmus.kubernetes.namespaces", NS);
        props.put("isthmus.kubernetes.lease-name", "consul-hostile-it");
        // the product's defaults (GatewayApp allows loopback for the other tests' sake): no host policy, no consul-services binding
        props.put("isthmus.ownership.destinations.allow-loopback", "false");
        gateway = GatewayApp.start("routes: []\n", props);
        assertThat(Await.until(Duration.ofSeconds(30), () -> gateway.admin("/actuator/health/readiness").statusCode() == 200)).isTrue();
        // the gateway is in this JVM: capture the registry's "not routed to" warnings, the documented report of a refused instance
        registryLog = new ListAppender<>();
        registryLog.start();
        ((Logger) LoggerFactory.getLogger(ConsulServiceRegistry.class)).addAppender(registryLog);

        kube.genericKubernetesResources("isthmus.dev/v1alpha1", "GatewayRoute").inNamespace(NS).resource(KubeFixtures.gatewayRoute(
                NS, "shop", "hosts: [" + HOST + "]\nmatch: {path: {prefix: /cart}}\nbackends: [{service: web, port: http}]")).create();
        assertThat(Await.until(Duration.ofSeconds(15), () -> "victim".equals(upstream(HOST, "/cart")))).as("the GatewayRoute serves its host")
                .isTrue();
    }

    @AfterAll
    static void stop() {
        if (registryLog != null) {
            ((Logger) LoggerFactory.getLogger(ConsulServiceRegistry.class)).detachAppender(registryLog);
        }
        if (gateway != null) {
            gateway.close();
        }
        if (kube != null) {
            kube.namespaces().withName(NS).delete();
            kube.close();
        }
        if (consul != null) {
            consul.close();
        }
        if (victim != null) {
            victim.close();
        }
        if (attacker != null) {
            attacker.close();
        }
    }

    static HttpResponse<String> get(String host, String path) {
        return gateway.send(gateway.request(path).header("Host", host).timeout(Duration.ofSeconds(10)).build());
    }

    static String upstream(String host, String path) {
        return ConsulTestSupport.upstream(get(host, path));
    }

    static RouteStatus awaitStatus(String routeId) {
        assertThat(Await.until(Duration.ofSeconds(20), () -> ConsulTestSupport.routeStatus(gateway, routeId).isPresent()))
                .as("%s compiled", routeId).isTrue();
        return ConsulTestSupport.routeStatus(gateway, routeId).orElseThrow();
    }

    static int managementPort() {
        return java.net.URI.create(gateway.managementUrl()).getPort();
    }

    @Test
    void consulInstancesAtMetadataOrTheGatewaysOwnPortsAreNeverDestinations() throws Exception {
        int mgmt = managementPort();
        consul.register("ssrf-meta-1", "ssrf-meta", "169.254.169.254", 80, List.of("isthmus.enable=true", "isthmus.host=ssrf-meta.example.org",
                "isthmus.path=/"), Map.of(), null);
        consul.register("ssrf-mgmt-1", "ssrf-mgmt", "127.0.0.1", mgmt, List.of("isthmus.enable=true", "isthmus.host=ssrf-mgmt.example.org",
                "isthmus.path=/"), Map.of(), null);
        consul.register("ssrf-self-1", "ssrf-self", "127.0.0.1", gateway.port(), List.of("isthmus.enable=true",
                "isthmus.host=ssrf-self.example.org", "isthmus.path=/"), Map.of(), null);
        // the routes file is the operator's and may route to loopback, but a Consul instance's address is its registrant's word
        gateway.writeRoutes("""
                routes:
                  - {name: via-consul-mgmt, hosts: [file-mgmt.example.org], match: {path: {prefix: /}}, backends: [{service: "consul:ssrf-mgmt"}]}
                  - {name: via-consul-meta, hosts: [file-meta.example.org], match: {path: {prefix: /}}, backends: [{service: "consul:ssrf-meta"}]}
                """);
        for (String id : List.of("consul/dc1/ssrf-meta", "consul/dc1/ssrf-mgmt", "consul/dc1/ssrf-self", "file/via-consul-mgmt",
                "file/via-consul-meta")) {
            assertThat(awaitStatus(id).accepted()).as("%s: the route itself is valid", id).isTrue();
        }

        Map<String, Integer> answers = new LinkedHashMap<>();
        for (String host : List.of("ssrf-meta", "ssrf-mgmt", "ssrf-self", "file-mgmt", "file-meta")) {
            for (String path : List.of("/latest/meta-data/", "/actuator/health", "/actuator/routes", "/")) {
                HttpResponse<String> r = get(host + ".example.org", path);
                answers.merge(host + " " + r.statusCode(), 1, Integer::sum);
                assertThat(r.body()).as("%s%s: never the management server's answer", host, path).doesNotContain("\"status\":\"UP\"")
                        .doesNotContain("\"routes\"");
            }
        }
        System.out.printf("Consul SSRF attempts: %s%n", answers);
        // docs/security.md: a refused address never becomes an instance, so the backend has none: 503
        assertThat(answers).containsEntry("ssrf-meta 503", 4).containsEntry("ssrf-mgmt 503", 4).containsEntry("ssrf-self 503", 4)
                .containsEntry("file-mgmt 503", 4).containsEntry("file-meta 503", 4);

        JsonNode upstreams = JSON.readTree(gateway.admin("/actuator/upstreams").body()).get("upstreams");
        for (String service : List.of("ssrf-meta", "ssrf-mgmt", "ssrf-self")) {
            List<JsonNode> views = new java.util.ArrayList<>();
            upstreams.forEach(u -> {
                if (u.get("backend").asText().endsWith(service)) {
                    views.add(u);
                }
            });
            assertThat(views).as("%s in /actuator/upstreams", service).isNotEmpty();
            for (JsonNode u : views) {
                assertThat(u.get("instances").size()).as("%s instances (%s)", service, u).isZero();
                assertThat(u.get("healthy").asInt()).isZero();
            }
        }
        List<String> warnings = registryLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        System.out.println("registry refusals logged: " + warnings);
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("ssrf-meta").contains("169.254.169.254:80").contains("denied destination"))
                .anySatisfy(w -> assertThat(w).contains("ssrf-mgmt").contains("127.0.0.1:" + mgmt).contains("the gateway's own port " + mgmt))
                .anySatisfy(w -> assertThat(w).contains("ssrf-self").contains("127.0.0.1:" + gateway.port())
                        .contains("the gateway's own port " + gateway.port()));
        assertThat(warnings.stream().filter(w -> w.contains("ssrf-meta-1"))).as("logged once, not on every poll").hasSize(1);
        assertThat(upstream(HOST, "/cart")).isEqualTo("victim");
    }

    @Test
    void tagRoutesWithTheHighestPrecedenceALongerPrefixOrSlashNeverTakeAGatewayRoutesHost() throws Exception {
        String address = attacker.host();
        int port = attacker.port();
        // control: the attacker's instance is a destination the gateway does route to, on a host nobody holds
        consul.register("control-1", "evil-control", address, port, List.of("isthmus.enable=true", "isthmus.host=unclaimed.example.org",
                "isthmus.path=/"), Map.of(), null);
        consul.register("max-1", "evil-max", address, port, List.of("isthmus.enable=true", "isthmus.host=" + HOST, "isthmus.path=/cart/",
                "isthmus.precedence=2147483647"), Map.of(), null);
        consul.register("max-root-1", "evil-max-root", address, port, List.of("isthmus.enable=true", "isthmus.host=" + HOST, "isthmus.path=/",
                "isthmus.precedence=2147483647"), Map.of(), null);
        consul.register("longer-1", "evil-longer", address, port, List.of("isthmus.enable=true", "isthmus.host=" + HOST,
                "isthmus.path=/cart/items/", "isthmus.precedence=1000"), Map.of(), null);
        consul.register("root-1", "evil-root", address, port, List.of("isthmus.enable=true", "isthmus.host=" + HOST, "isthmus.path=/",
                "isthmus.precedence=1000"), Map.of(), null);

        assertThat(awaitStatus("consul/dc1/evil-control").accepted()).isTrue();
        assertThat(Await.until(Duration.ofSeconds(15), () -> "attacker".equals(upstream("unclaimed.example.org", "/x"))))
                .as("the attacker's instance is routable where nobody holds the host").isTrue();
        int controlRequests = attacker.count();

        for (String service : List.of("evil-max", "evil-max-root")) {
            RouteStatus s = awaitStatus("consul/dc1/" + service);
            assertThat(s.accepted()).as(service).isFalse();
            assertThat(s.reason()).as("precedence is bounded for tag routes too").isEqualTo(ConditionReason.INVALID_TAG);
            assertThat(s.message()).contains("isthmus.precedence=2147483647: must be between -1000 and 1000");
        }
        for (String service : List.of("evil-longer", "evil-root")) {
            RouteStatus s = awaitStatus("consul/dc1/" + service);
            assertThat(s.accepted()).as(service).isFalse();
            assertThat(s.reason()).as(service).isEqualTo(ConditionReason.HOST_CLAIMED);
            assertThat(s.message()).as(service).contains("host " + HOST + " is held by namespace " + NS);
        }

        Map<String, Integer> answers = new LinkedHashMap<>();
        for (int i = 0; i < 25; i++) {
            for (String path : List.of("/cart", "/cart/items", "/cart/items/1")) {
                answers.merge(path + " " + upstream(HOST, path), 1, Integer::sum);
            }
            // no fall-through on a closed host: a path the GatewayRoute does not match is 404, not the tag route at '/'
            answers.merge("/other " + get(HOST, "/other").statusCode(), 1, Integer::sum);
        }
        System.out.printf("tag-route hijack attempts on %s: %s%n", HOST, answers);
        assertThat(answers).containsOnly(Map.entry("/cart victim", 25), Map.entry("/cart/items victim", 25),
                Map.entry("/cart/items/1 victim", 25), Map.entry("/other 404", 25));
        assertThat(attacker.count()).as("the attacker got only the control requests").isEqualTo(controlRequests);
        assertThat(ConsulTestSupport.routeStatus(gateway, "gatewayroute/" + NS + "/shop").orElseThrow().accepted()).isTrue();
    }
}
