package dev.isthmus.source.gatewayapi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.isthmus.config.IsthmusProperties;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.status.GatewayApiStatusWriter;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.TestNetwork;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Gateway API source's guarantees on a real kube-apiserver (a private one, so it can be
 * restarted) and real upstreams (in the test's own network namespace): an HTTPRoute change reaches the request path within
 * milliseconds (measured over 50 creates, updates and deletes: apply to the first request routed
 * by it); a bad HTTPRoute is rejected alone, with the reason in its status, while the others
 * serve; a steady state writes no status; and while the API server is down every route keeps
 * serving, the source says DEGRADED, and changes made once it is back are applied.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayApiSourceIT {

    static final String NS = "gateway-api-it";
    static final String CLASS = "isthmus-it";
    static final int CHANGES = 51;
    static final ObjectMapper JSON = new ObjectMapper();
    static KubeApiServer api;
    static KubernetesClient client;
    static EchoServer upstream;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        api = KubeApiServer.start();
        client = api.client();
        KubeFixtures.installCrd(client);
        GatewayApiFixtures.installCrds(client);
        KubeFixtures.createNamespace(client, NS);
        TestNetwork network = TestNetwork.shared();
        String address = network.address();
        upstream = EchoServer.start("web", network);
        client.resource(KubeFixtures.service(NS, "web", KubeFixtures.port("http", 8080))).serverSideApply();
        client.resource(KubeFixtures.slice(NS, "web-1", "web", List.of(KubeFixtures.slicePort("http", upstream.port())),
                List.of(KubeFixtures.endpoint(address, true, false)))).serverSideApply();
        client.resource(new GatewayClassBuilder().withNewMetadata().withName(CLASS).endMetadata().withNewSpec()
                .withControllerName(IsthmusProperties.GatewayApi.DEFAULT_CONTROLLER_NAME).endSpec().build()).serverSideApply();
        client.resource(new GatewayBuilder().withNewMetadata().withName("edge").withNamespace(NS).endMetadata().withNewSpec()
                .withGatewayClassName(CLASS).addNewListener().withName("http").withPort(80).withProtocol("HTTP").endListener().endSpec().build())
                .serverSideApply();
        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        props.put("isthmus.kubernetes.namespaces", NS);
        props.put("isthmus.kubernetes.lease-duration", "3s");
        props.put("spring.cloud.kubernetes.client.watch-reconnect-interval", "250ms");
        props.put("isthmus.gateway-api.enabled", "true");
        props.put("isthmus.gateway-api.addresses", "203.0.113.7");
        gateway = GatewayApp.start(null, props);
        assertThat(Await.until(Duration.ofSeconds(30), () -> source().status().hasSynced())).as("Gateway API source synced").isTrue();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (client != null) {
            client.close();
        }
        if (api != null) {
            api.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    static GatewayApiRouteSource source() {
        return gateway.bean(GatewayApiRouteSource.class);
    }

    static void route(String name, String path, String marker) {
        client.resource(new HTTPRouteBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec()
                .addNewParentRef().withName("edge").endParentRef()
                .addNewRule().addNewMatch().withNewPath().withType("PathPrefix").withValue(path).endPath().endMatch()
                .addNewFilter().withType("RequestHeaderModifier").withNewRequestHeaderModifier().addNewSet().withName("X-Change").withValue(marker)
                .endSet().endRequestHeaderModifier().endFilter()
                .addNewBackendRef().withName("web").withPort(8080).endBackendRef().endRule().endSpec().build()).forceConflicts().serverSideApply();
    }

    /** What the upstream saw in X-Change for a request to the path, or the status when not 200. */
    static String change(String path) {
        var r = gateway.get(path);
        if (r.statusCode() != 200) {
            return "status " + r.statusCode();
        }
        try {
            for (var it = JSON.readTree(r.body()).get("headers").fields(); it.hasNext();) {
                var e = it.next();
                if (e.getKey().equalsIgnoreCase("X-Change")) {
                    return e.getValue().asText();
                }
            }
            return "none";
        }
        catch (Exception e) {
            return "unreadable";
        }
    }

    static Condition parentCondition(String route, String type) {
        HTTPRoute r = client.resources(HTTPRoute.class).inNamespace(NS).withName(route).get();
        if (r == null || r.getStatus() == null) {
            return null;
        }
        for (RouteParentStatus p : r.getStatus().getParents()) {
            for (Condition c : p.getConditions()) {
                if (type.equals(c.getType()) && p.getControllerName().equals(IsthmusProperties.GatewayApi.DEFAULT_CONTROLLER_NAME)
                        && c.getObservedGeneration().equals(r.getMetadata().getGeneration())) {
                    return c;
                }
            }
        }
        return null;
    }

    @Test
    @Order(1)
    void applyToFirstRoutedRequest() {
        route("hot", "/hot", "0");
        assertThat(KubeFixtures.millisUntil(Duration.ofSeconds(20), () -> change("/hot").equals("0"))).isNotNegative();
        List<Long> total = new ArrayList<>();
        for (int i = 1; i <= CHANGES; i++) {
            String name = "p-" + i;
            long t0 = System.nanoTime();
            String path;
            String expected;
            switch (i % 3) {
                case 0 -> { // create
                    route(name, "/" + name, "c" + i);
                    path = "/" + name;
                    expected = "c" + i;
                }
                case 1 -> { // update
                    route("hot", "/hot", String.valueOf(i));
                    path = "/hot";
                    expected = String.valueOf(i);
                }
                default -> { // delete the route created in the previous round
                    String created = "p-" + (i - 2);
                    client.resources(HTTPRoute.class).inNamespace(NS).withName(created).delete();
                    path = "/" + created;
                    expected = "status 404";
                }
            }
            String p = path;
            long waited = KubeFixtures.millisUntil(Duration.ofSeconds(10), () -> change(p).equals(expected));
            assertThat(waited).as("change %d (%s) applied", i, expected).isNotNegative();
            total.add((System.nanoTime() - t0) / 1_000_000);
        }
        Collections.sort(total);
        System.out.printf("[GatewayApiSourceIT] HTTPRoute apply -> first routed request, %d creates/updates/deletes: p50 %d ms, p90 %d ms,"
                + " p99 %d ms, max %d ms%n", total.size(), percentile(total, 50), percentile(total, 90), percentile(total, 99),
                total.get(total.size() - 1));
        assertThat(percentile(total, 50)).as("p50 well under a second").isLessThan(1000);
    }

    static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    @Test
    @Order(2)
    void aBadRouteIsRejectedAloneWithItsReason() {
        route("good", "/good", "good");
        client.resource(new HTTPRouteBuilder().withNewMetadata().withName("bad").withNamespace(NS).endMetadata().withNewSpec()
                .addNewParentRef().withName("edge").endParentRef()
                .addNewRule().addNewMatch().withNewPath().withType("RegularExpression").withValue("/(unclosed").endPath().endMatch()
                .addNewBackendRef().withName("web").withPort(8080).endBackendRef().endRule().endSpec().build()).serverSideApply();
        assertThat(Await.until(Duration.ofSeconds(20), () -> {
            Condition c = parentCondition("bad", "Accepted");
            return c != null && c.getStatus().equals("False") && c.getReason().equals("UnsupportedValue");
        })).as("the bad route: Accepted=False, UnsupportedValue").isTrue();
        assertThat(parentCondition("bad", "Accepted").getMessage()).contains("invalid regular expression");
        assertThat(change("/good")).isEqualTo("good");
        assertThat(change("/hot")).as("the others keep serving").isEqualTo(String.valueOf(CHANGES - 2));
        // serving comes first, the status write after it (batched, leader-gated): wait for it
        assertThat(Await.until(Duration.ofSeconds(20), () -> {
            Condition good = parentCondition("good", "Accepted");
            return good != null && good.getStatus().equals("True");
        })).as("the good route: Accepted=True").isTrue();

        assertThat(Await.until(Duration.ofSeconds(20), () -> {
            Gateway g = client.resources(Gateway.class).inNamespace(NS).withName("edge").get();
            return g.getStatus() != null && !g.getStatus().getListeners().isEmpty()
                    && g.getStatus().getListeners().get(0).getAttachedRoutes() >= 3;
        })).as("the Gateway's listener counts the attached routes").isTrue();
        Gateway edge = client.resources(Gateway.class).inNamespace(NS).withName("edge").get();
        assertThat(edge.getStatus().getAddresses()).extracting(a -> a.getValue()).containsExactly("203.0.113.7");
        GatewayClass cls = client.resources(GatewayClass.class).withName(CLASS).get();
        assertThat(cls.getStatus().getConditions()).anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Accepted=True"));
    }

    @Test
    @Order(3)
    void aSteadyStateWritesNoStatus() throws Exception {
        GatewayApiStatusWriter writer = gateway.bean(GatewayApiStatusWriter.class);
        assertThat(Await.until(Duration.ofSeconds(10), () -> writer.writes() > 0)).isTrue();
        long settled = -1;
        for (int i = 0; i < 20 && settled != writer.writes(); i++) {
            settled = writer.writes();
            Thread.sleep(500);
        }
        Thread.sleep(2000);
        assertThat(writer.writes()).as("no status writes once everything is written").isEqualTo(settled);
    }

    @Test
    @Order(4)
    void theLastRoutesKeepServingWhileTheApiServerIsDown() {
        api.stopApiServer();
        try {
            assertThat(Await.until(Duration.ofSeconds(20), () -> source().status().state() == SyncStatus.State.DEGRADED))
                    .as("source DEGRADED while the API server is down").isTrue();
            for (int i = 0; i < 20; i++) {
                assertThat(change("/good")).isEqualTo("good");
                assertThat(change("/hot")).isEqualTo(String.valueOf(CHANGES - 2));
            }
        }
        finally {
            api.startApiServerAgain();
        }
        assertThat(Await.until(Duration.ofSeconds(60), () -> source().status().state() == SyncStatus.State.SYNCED))
                .as("SYNCED again once it is back").isTrue();
        route("after", "/after", "back");
        assertThat(KubeFixtures.millisUntil(Duration.ofSeconds(20), () -> change("/after").equals("back")))
                .as("a change made after the restart is applied").isNotNegative();
    }
}
