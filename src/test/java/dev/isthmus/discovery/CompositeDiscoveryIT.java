package dev.isthmus.discovery;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
 * One service name, "catalog", registered in both a real kube-apiserver (Service + EndpointSlice)
 * and a real Consul agent, each pointing at its own real upstream: every discovery policy picks
 * what docs/design.md §3.4 says, qualified names bypass the policy, and the choice changes as soon as
 * a registry's state does.
 */
class CompositeDiscoveryIT {

    static final String NS = "composite-it";
    static KubeApiServer api;
    static KubernetesClient kube;
    static ConsulServer consul;
    static EchoServer inKubernetes;
    static EchoServer onVm;

    @BeforeAll
    static void start() {
        api = KubeApiServer.shared();
        kube = api.client();
        KubeFixtures.installCrd(kube);
        KubeFixtures.createNamespace(kube, NS);
        inKubernetes = EchoServer.start("k8s-pod", TestNetwork.shared());
        onVm = EchoServer.start("vm");
        kube.services().inNamespace(NS).resource(KubeFixtures.service(NS, "catalog", KubeFixtures.port("http", 80))).serverSideApply();
        setKubernetesReady(true);
        consul = ConsulServer.start();
        consul.register("catalog-vm-1", "catalog", "127.0.0.1", onVm.port(), List.of(), Map.of(), null);
    }

    static void setKubernetesReady(boolean ready) {
        kube.discovery().v1().endpointSlices().inNamespace(NS).resource(KubeFixtures.slice(NS, "catalog-1", "catalog",
                List.of(KubeFixtures.slicePort("http", inKubernetes.port())),
                List.of(KubeFixtures.endpoint(inKubernetes.host(), ready, false)))).serverSideApply();
    }

    @AfterAll
    static void stop() {
        kube.namespaces().withName(NS).delete();
        kube.close();
        consul.close();
        inKubernetes.close();
        onVm.close();
    }

    static GatewayApp gateway(String policy) {
        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        props.putAll(ConsulTestSupport.gatewayProperties(consul));
        props.put("isthmus.discovery.policy", policy);
        props.put("isthmus.kubernetes.default-namespace", NS);
        props.put("isthmus.kubernetes.namespaces", NS);
        props.put("isthmus.kubernetes.lease-name", "composite-" + policy);
        GatewayApp gw = GatewayApp.start("""
                routes:
                  - {name: any, match: {path: {prefix: /any}}, backends: [{service: catalog}]}
                  - {name: k8s, match: {path: {prefix: /k8s}}, backends: [{service: "k8s:composite-it/catalog"}]}
                  - {name: consul, match: {path: {prefix: /consul}}, backends: [{service: "consul:catalog"}]}
                """, props);
        assertThat(Await.until(Duration.ofSeconds(30), () -> gw.admin("/actuator/health/readiness").statusCode() == 200))
                .as("both registries synced").isTrue();
        return gw;
    }

    static Map<String, Integer> spread(GatewayApp gw, String path, int requests) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(ConsulTestSupport.upstream(gw.get(path)), 1, Integer::sum);
        }
        return counts;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({ "prefer-kubernetes, k8s-pod", "prefer-consul, vm", "failover, k8s-pod" })
    void unqualifiedNamesFollowThePolicy(String policy, String expected) {
        try (GatewayApp gw = gateway(policy)) {
            assertThat(Await.until(Duration.ofSeconds(10), () -> spread(gw, "/any", 1).containsKey(expected))).isTrue();
            assertThat(spread(gw, "/any", 20)).containsOnlyKeys(expected);
            assertThat(spread(gw, "/k8s", 10)).as("k8s: qualified").containsOnlyKeys("k8s-pod");
            assertThat(spread(gw, "/consul", 10)).as("consul: qualified").containsOnlyKeys("vm");
        }
    }

    @Test
    void mergeUsesEveryHealthyInstanceOfBoth() {
        try (GatewayApp gw = gateway("merge")) {
            assertThat(Await.until(Duration.ofSeconds(10), () -> spread(gw, "/any", 10).size() == 2)).isTrue();
            Map<String, Integer> counts = spread(gw, "/any", 40);
            assertThat(counts).containsOnlyKeys("k8s-pod", "vm");
            assertThat(counts.get("k8s-pod")).isEqualTo(20); // round robin over the merged, ordered list
        }
    }

    @Test
    void failoverMovesToConsulWhenKubernetesHasNoReadyEndpointAndBack() {
        try (GatewayApp gw = gateway("failover")) {
            assertThat(Await.until(Duration.ofSeconds(10), () -> spread(gw, "/any", 5).equals(Map.of("k8s-pod", 5)))).isTrue();
            try {
                setKubernetesReady(false);
                assertThat(Await.until(Duration.ofSeconds(2), () -> spread(gw, "/any", 3).equals(Map.of("vm", 3))))
                        .as("fails over to Consul within a second or two").isTrue();
                assertThat(spread(gw, "/k8s", 3)).as("no ready Kubernetes endpoint").containsOnlyKeys("status 503");
            }
            finally {
                setKubernetesReady(true);
            }
            assertThat(Await.until(Duration.ofSeconds(2), () -> spread(gw, "/any", 3).equals(Map.of("k8s-pod", 3)))).isTrue();
        }
    }

    @Test
    void preferKubernetesKeepsAKnownServiceInKubernetesEvenWithoutReadyEndpoints() {
        try (GatewayApp gw = gateway("prefer-kubernetes")) {
            try {
                setKubernetesReady(false);
                assertThat(Await.until(Duration.ofSeconds(2), () -> spread(gw, "/any", 3).equals(Map.of("status 503", 3)))).isTrue();
            }
            finally {
                setKubernetesReady(true);
            }
        }
    }
}
