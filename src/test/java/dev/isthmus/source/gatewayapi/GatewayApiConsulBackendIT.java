package dev.isthmus.source.gatewayapi;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Condition;
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
import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.TestNetwork;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTPRoute backendRefs to Consul services (the documented extension {@code isthmus.dev/ConsulService})
 * against a real kube-apiserver and a real Consul agent, with the ownership rule of
 * docs/security.md: a namespace's routes may use only the Consul services an
 * {@code isthmus.ownership.consul-services} binding gives it. A bound, registered service is routed
 * to its instance (a real upstream in the test's network namespace, not loopback); deregistering
 * it answers 503 and registering it again serves again; a service the namespace is not bound to is
 * refused in the route's status (Accepted=False, ResolvedRefs=False RefNotPermitted, the
 * NotAllowedBackend verdict in the message) while the other routes serve; a bound service that is
 * not in the catalog answers 503 (docs/consul.md: no instance).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayApiConsulBackendIT {

    static final String NS = "gateway-api-consul-it";
    static final String CLASS = "isthmus-consul-it";
    static KubeApiServer api;
    static KubernetesClient client;
    static ConsulServer consul;
    static EchoServer inventory;
    static EchoServer ledger;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        api = KubeApiServer.shared();
        client = api.client();
        KubeFixtures.installCrd(client); // the GatewayRoute source runs too (isthmus.kubernetes.enabled)
        GatewayApiFixtures.installCrds(client);
        KubeFixtures.createNamespace(client, NS);
        consul = ConsulServer.start();
        inventory = EchoServer.start("vm-inventory", TestNetwork.shared());
        ledger = EchoServer.start("vm-ledger", TestNetwork.shared());
        consul.register("inventory-1", "inventory", inventory.host(), inventory.port(), List.of(), Map.of(), null);
        consul.register("ledger-1", "ledger", ledger.host(), ledger.port(), List.of(), Map.of(), null);

        client.resource(new GatewayClassBuilder().withNewMetadata().withName(CLASS).endMetadata().withNewSpec()
                .withControllerName(IsthmusProperties.GatewayApi.DEFAULT_CONTROLLER_NAME).endSpec().build()).serverSideApply();
        client.resource(new GatewayBuilder().withNewMetadata().withName("edge").withNamespace(NS).endMetadata().withNewSpec()
                .withGatewayClassName(CLASS).addNewListener().withName("http").withPort(80).withProtocol("HTTP").endListener().endSpec().build())
                .serverSideApply();

        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        props.putAll(ConsulTestSupport.gatewayProperties(consul));
        props.put("isthmus.kubernetes.namespaces", NS);
        props.put("isthmus.kubernetes.lease-name", "gateway-api-consul-it");
        props.put("isthmus.kubernetes.lease-duration", "3s");
        props.put("isthmus.gateway-api.enabled", "true");
        props.put("isthmus.gateway-api.addresses", "203.0.113.8");
        // the namespace may use inventory and ghost (bound, never registered), not ledger (registered, not bound)
        props.put("isthmus.ownership.consul-services[0].namespaces[0]", NS);
        props.put("isthmus.ownership.consul-services[0].services[0]", "inventory");
        props.put("isthmus.ownership.consul-services[0].services[1]", "ghost");
        // the product's default: the upstreams are in the test network namespace, not on loopback
        props.put("isthmus.ownership.destinations.allow-loopback", "false");
        gateway = GatewayApp.start(null, props);
        assertThat(Await.until(Duration.ofSeconds(30), () -> gateway.admin("/actuator/health/readiness").statusCode() == 200))
                .as("ready").isTrue();
    }

    @AfterAll
    static void stop() {
        try {
            if (gateway != null) {
                gateway.close();
            }
        }
        finally {
            if (client != null) {
                client.namespaces().withName(NS).delete();
                client.resources(GatewayClass.class).withName(CLASS).delete();
            }
            if (consul != null) {
                consul.close();
            }
            if (inventory != null) {
                inventory.close();
            }
            if (ledger != null) {
                ledger.close();
            }
        }
    }

    static void consulRoute(String name, String host, String service) {
        client.resource(new HTTPRouteBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec()
                .addNewParentRef().withName("edge").endParentRef().withHostnames(host)
                .addNewRule().addNewMatch().withNewPath().withType("PathPrefix").withValue("/").endPath().endMatch()
                .addNewBackendRef().withGroup("isthmus.dev").withKind("ConsulService").withName(service).endBackendRef().endRule()
                .endSpec().build()).serverSideApply();
    }

    static HttpResponse<String> get(String host) {
        return gateway.send(gateway.request("/orders").header("Host", host).timeout(Duration.ofSeconds(10)).build());
    }

    static String upstream(String host) {
        return ConsulTestSupport.upstream(get(host));
    }

    static Condition parentCondition(String route, String type) {
        HTTPRoute r = client.resources(HTTPRoute.class).inNamespace(NS).withName(route).get();
        if (r == null || r.getStatus() == null) {
            return null;
        }
        for (RouteParentStatus p : r.getStatus().getParents()) {
            if (!IsthmusProperties.GatewayApi.DEFAULT_CONTROLLER_NAME.equals(p.getControllerName())) {
                continue;
            }
            for (Condition c : p.getConditions()) {
                if (type.equals(c.getType()) && c.getObservedGeneration().equals(r.getMetadata().getGeneration())) {
                    return c;
                }
            }
        }
        return null;
    }

    static String summary(Condition c) {
        return c == null ? "absent" : c.getStatus() + " " + c.getReason();
    }

    static String conditions(String route) {
        return "Accepted " + summary(parentCondition(route, "Accepted")) + ", ResolvedRefs " + summary(parentCondition(route, "ResolvedRefs"));
    }

    @Test
    @Order(1)
    void aBoundConsulServiceIsRoutedToItsInstance() {
        long t0 = System.nanoTime();
        consulRoute("inventory", "inventory.example.com", "inventory");
        assertThat(Await.until(Duration.ofSeconds(20), () -> "vm-inventory".equals(upstream("inventory.example.com"))))
                .as("routed to the Consul instance, was %s", upstream("inventory.example.com")).isTrue();
        long routed = ConsulTestSupport.millisSince(t0);
        assertThat(inventory.last().uri()).isEqualTo("/orders");
        assertThat(Await.until(Duration.ofSeconds(20), () -> "Accepted True Accepted, ResolvedRefs True ResolvedRefs".equals(conditions("inventory")))).as("status: %s", conditions("inventory")).isTrue();
        System.out.printf("[GatewayApiConsulBackendIT] HTTPRoute apply -> first request to the Consul instance: %d ms%n", routed);
    }

    @Test
    @Order(2)
    void deregisteringTheInstanceAnswers503AndRegisteringItAgainServes() {
        long t0 = System.nanoTime();
        consul.deregister("inventory-1");
        assertThat(Await.until(Duration.ofSeconds(20), () -> get("inventory.example.com").statusCode() == 503))
                .as("503 once no instance is registered, was %s", upstream("inventory.example.com")).isTrue();
        long gone = ConsulTestSupport.millisSince(t0);
        int seen = inventory.count();
        for (int i = 0; i < 5; i++) {
            assertThat(get("inventory.example.com").statusCode()).isEqualTo(503);
        }
        assertThat(inventory.count()).as("nothing reaches the deregistered instance").isEqualTo(seen);
        System.out.printf("[GatewayApiConsulBackendIT] after deregistration: route inventory %s%n", conditions("inventory"));

        t0 = System.nanoTime();
        consul.register("inventory-1", "inventory", inventory.host(), inventory.port(), List.of(), Map.of(), null);
        assertThat(Await.until(Duration.ofSeconds(20), () -> "vm-inventory".equals(upstream("inventory.example.com"))))
                .as("served again once registered").isTrue();
        long back = ConsulTestSupport.millisSince(t0);
        System.out.printf("[GatewayApiConsulBackendIT] deregister -> 503: %d ms; register again -> 200: %d ms%n", gone, back);
    }

    @Test
    @Order(3)
    void aConsulServiceTheNamespaceIsNotBoundToIsRefusedInTheStatusWhileOthersServe() {
        consulRoute("ledger", "ledger.example.com", "ledger");
        assertThat(Await.until(Duration.ofSeconds(20), () -> {
            Condition c = parentCondition("ledger", "Accepted");
            return c != null && "False".equals(c.getStatus());
        })).as("ledger refused, status: %s", conditions("ledger")).isTrue();
        Condition accepted = parentCondition("ledger", "Accepted");
        System.out.printf("[GatewayApiConsulBackendIT] unbound ConsulService: %s; message: %s; request: %s%n", conditions("ledger"),
                accepted.getMessage(), upstream("ledger.example.com"));
        assertThat(accepted.getMessage()).contains("NotAllowedBackend").contains("isthmus.ownership.consul-services");
        assertThat(Await.until(Duration.ofSeconds(20), () -> "False RefNotPermitted".equals(summary(parentCondition("ledger", "ResolvedRefs")))))
                .as("a refused backendRef is ResolvedRefs=False RefNotPermitted, was %s", conditions("ledger")).isTrue();
        assertThat(parentCondition("ledger", "ResolvedRefs").getMessage()).contains("consul:ledger");
        int before = ledger.count();
        for (int i = 0; i < 5; i++) {
            assertThat(upstream("ledger.example.com")).isNotEqualTo("vm-ledger");
        }
        assertThat(ledger.count()).as("the unbound service gets no traffic").isEqualTo(before);
        assertThat(upstream("inventory.example.com")).as("the other route keeps serving").isEqualTo("vm-inventory");
    }

    @Test
    @Order(4)
    void aBoundServiceNotInTheCatalogAnswers503WhileOthersServe() {
        consulRoute("ghost", "ghost.example.com", "ghost");
        assertThat(Await.until(Duration.ofSeconds(20), () -> parentCondition("ghost", "Accepted") != null))
                .as("ghost has a status").isTrue();
        assertThat(Await.until(Duration.ofSeconds(20), () -> get("ghost.example.com").statusCode() == 503))
                .as("no instance: 503, was %s", upstream("ghost.example.com")).isTrue();
        System.out.printf("[GatewayApiConsulBackendIT] unknown ConsulService: %s; request: %s%n", conditions("ghost"),
                upstream("ghost.example.com"));
        assertThat(upstream("inventory.example.com")).as("the other route keeps serving").isEqualTo("vm-inventory");
    }
}
