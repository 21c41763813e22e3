package dev.isthmus.admin;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

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
 * The admin endpoints of a gateway fed by every source at once: a real API server (a GatewayRoute,
 * a route ConfigMap, a Service with its EndpointSlice), a real Consul agent (tag routes, one of
 * them invalid), and the routes file. What an operator reads there must name each route's source,
 * object and generation, each source's sync state and version, and each instance's registry; a
 * Consul outage must show as DEGRADED with its error while routes keep serving.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminWithRealSourcesIT {

    static final String NS = "admin-real-it";
    static final ObjectMapper JSON = new ObjectMapper();

    static KubeApiServer api;
    static KubernetesClient kube;
    static ConsulServer consul;
    static EchoServer pod;
    static EchoServer vm;
    static EchoServer file;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        api = KubeApiServer.shared();
        kube = api.client();
        KubeFixtures.installCrd(kube);
        KubeFixtures.createNamespace(kube, NS);
        pod = EchoServer.start("pod", TestNetwork.shared());
        vm = EchoServer.start("vm");
        file = EchoServer.start("file");

        kube.services().inNamespace(NS).resource(KubeFixtures.service(NS, "catalog", KubeFixtures.port("http", 80))).serverSideApply();
        kube.discovery().v1().endpointSlices().inNamespace(NS).resource(KubeFixtures.slice(NS, "catalog-1", "catalog",
                List.of(KubeFixtures.slicePort("http", pod.port())), List.of(KubeFixtures.endpoint(pod.host(), true, false))))
                .serverSideApply();
        kube.resource(KubeFixtures.gatewayRoute(NS, "catalog", "match: {path: {prefix: /catalog}}\nbackends: [{service: \"k8s:" + NS
                + "/catalog\"}]\n")).serverSideApply();
        kube.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("extra")
                .addToLabels("isthmus.dev/routes", "true").endMetadata()
                .addToData("routes.yaml", "routes:\n  - {name: reports, match: {path: {prefix: /reports}}, backends: [{url: \"" + file.url()
                        + "\"}]}\n")
                .build()).serverSideApply();

        consul = ConsulServer.start();
        consul.register("inventory-1", "inventory", "127.0.0.1", vm.port(), List.of("isthmus.enable=true"), Map.of(), null);
        consul.register("pricing-1", "pricing", "127.0.0.1", vm.port(), List.of("isthmus.enable=true", "isthmus.timeout=-5s"), Map.of(), null);

        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        props.putAll(ConsulTestSupport.gatewayProperties(consul));
        props.put("isthmus.kubernetes.namespaces", NS);
        props.put("isthmus.kubernetes.lease-name", "admin-real");
        gateway = GatewayApp.start("routes:\n  - {name: local, match: {path: {prefix: /local}}, backends: [{url: \"" + file.url() + "\"}]}\n",
                props);
        assertThat(Await.until(Duration.ofSeconds(30), () -> gateway.admin("/actuator/health/readiness").statusCode() == 200))
                .as("every source synced").isTrue();
        assertThat(Await.until(Duration.ofSeconds(15), () -> gateway.get("/catalog").statusCode() == 200
                && gateway.get("/inventory/").statusCode() == 200 && gateway.get("/reports").statusCode() == 200)).isTrue();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        kube.namespaces().withName(NS).delete();
        kube.close();
        consul.close();
        pod.close();
        vm.close();
        file.close();
    }

    static JsonNode admin(String path) throws Exception {
        return JSON.readTree(gateway.admin(path).body());
    }

    static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.at(field).asText())) {
                return n;
            }
        }
        throw new AssertionError("no element with " + field + " = " + value + " in " + array);
    }

    @Test
    @Order(1)
    void routesNameTheirSourceObjectAndGeneration() throws Exception {
        JsonNode routes = admin("/actuator/routes").get("routes");
        JsonNode crd = find(routes, "/id", "gatewayroute/" + NS + "/catalog");
        assertThat(crd.get("served").asBoolean()).isTrue();
        assertThat(crd.get("source").asText()).isEqualTo("gatewayroute");
        assertThat(crd.get("generation").asLong()).isEqualTo(1);
        assertThat(crd.at("/route/backends/0/target/registry").asText()).isEqualTo("KUBERNETES");

        JsonNode cm = find(routes, "/id", "configmap/" + NS + "/extra/reports");
        assertThat(cm.get("served").asBoolean()).isTrue();
        assertThat(cm.get("source").asText()).isEqualTo("configmap");

        JsonNode tag = find(routes, "/id", "consul/dc1/inventory");
        assertThat(tag.get("served").asBoolean()).isTrue();
        assertThat(tag.get("source").asText()).isEqualTo("consul");
        assertThat(tag.at("/route/path/prefix").asText()).isEqualTo("/inventory");
        assertThat(tag.at("/route/backends/0/target/registry").asText()).isEqualTo("CONSUL");

        JsonNode invalid = find(routes, "/id", "consul/dc1/pricing");
        assertThat(invalid.get("served").asBoolean()).isFalse();
        assertThat(invalid.get("status").asText()).isEqualTo("InvalidTag");
        assertThat(invalid.get("message").asText()).contains("isthmus.timeout");

        assertThat(find(routes, "/id", "file/local").get("served").asBoolean()).isTrue();
    }

    @Test
    @Order(2)
    void sourcesReportStateAndVersionOfEachBackend() throws Exception {
        JsonNode sources = admin("/actuator/sources");
        assertThat(sources.get("allSynced").asBoolean()).isTrue();
        for (String id : List.of("file", "gatewayroute", "configmap", "consul")) {
            JsonNode s = find(sources.get("sources"), "/status/id", id);
            assertThat(s.at("/status/state").asText()).as(id).isEqualTo("SYNCED");
            assertThat(s.at("/status/version").asText()).as("%s version", id).isNotBlank().isNotEqualTo("null");
        }
        // a Kubernetes resource version; a Consul index per datacenter
        assertThat(find(sources.get("sources"), "/status/id", "gatewayroute").at("/status/version").asText()).containsOnlyDigits();
        assertThat(find(sources.get("sources"), "/status/id", "consul").at("/status/version").asText()).matches("dc1@\\d+");
        assertThat(find(sources.get("sources"), "/status/id", "consul").get("rejected").asInt()).isEqualTo(1);

        JsonNode readiness = admin("/actuator/health/readiness");
        assertThat(readiness.get("status").asText()).isEqualTo("UP");
        for (String id : List.of("file", "gatewayroute", "configmap", "consul")) {
            assertThat(readiness.at("/components/routing/details/" + id + "/state").asText()).as(id).isEqualTo("SYNCED");
        }
    }

    @Test
    @Order(3)
    void upstreamsShowInstancesByRegistry() throws Exception {
        JsonNode upstreams = admin("/actuator/upstreams").get("upstreams");
        JsonNode catalog = find(upstreams, "/routes/0", "gatewayroute/" + NS + "/catalog");
        assertThat(catalog.at("/instances/0/registry").asText()).isEqualTo("kubernetes");
        assertThat(catalog.at("/instances/0/address").asText()).isEqualTo(pod.host() + ":" + pod.port());
        assertThat(catalog.at("/byRegistry/kubernetes").asInt()).isEqualTo(1);

        JsonNode inventory = null;
        for (JsonNode u : upstreams) {
            if (u.at("/instances/0/registry").asText().equals("consul") && u.get("backend").asText().contains("inventory")) {
                inventory = u;
            }
        }
        assertThat(inventory).as("inventory upstream from Consul in %s", upstreams).isNotNull();
        assertThat(inventory.at("/instances/0/address").asText()).isEqualTo("127.0.0.1:" + vm.port());

        String metrics = gateway.admin("/actuator/prometheus").body();
        for (String id : List.of("file", "gatewayroute", "configmap", "consul")) {
            assertThat(metrics).contains("isthmus_source_synced{source=\"" + id + "\"} 1.0");
        }
    }

    @Test
    @Order(4)
    void aConsulOutageShowsAsDegradedWithItsErrorWhileRoutesServe() throws Exception {
        consul.kill();
        assertThat(Await.until(Duration.ofSeconds(30), () -> {
            try {
                return find(admin("/actuator/sources").get("sources"), "/status/id", "consul").at("/status/state").asText().equals("DEGRADED");
            }
            catch (Exception e) {
                return false;
            }
        })).as("consul source DEGRADED").isTrue();
        JsonNode s = find(admin("/actuator/sources").get("sources"), "/status/id", "consul");
        assertThat(s.at("/status/lastError").asText()).isNotBlank().isNotEqualTo("null");
        assertThat(s.get("routes").asInt()).as("last known good routes kept").isPositive();
        assertThat(find(admin("/actuator/sources").get("sources"), "/status/id", "gatewayroute").at("/status/state").asText())
                .isEqualTo("SYNCED");
        assertThat(gateway.admin("/actuator/health").statusCode()).isEqualTo(200);
        assertThat(admin("/actuator/health").get("status").asText()).isEqualTo("DEGRADED");
        assertThat(gateway.get("/inventory/").statusCode()).isEqualTo(200);
        assertThat(gateway.get("/catalog").statusCode()).isEqualTo(200);
    }
}
