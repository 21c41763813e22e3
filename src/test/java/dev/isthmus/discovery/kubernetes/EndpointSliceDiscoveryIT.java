package dev.isthmus.discovery.kubernetes;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.BackendTarget.Registry;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.TestNetwork;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kubernetes discovery on a real API server: the gateway routes a service backend to the ready
 * endpoints of the Service's EndpointSlices (made by hand: no controller runs) and follows their
 * changes on the next request: scale up and down, not ready, terminating, several slices, named
 * and numbered ports. Upstreams listen in the test's own network namespace ({@link TestNetwork}),
 * whose address the API server accepts in EndpointSlices; with one address, instances differ by
 * port, so "scaling" adds and removes slices and endpoints the way the EndpointSlice controller
 * does for pods whose target ports differ.
 */
class EndpointSliceDiscoveryIT {

    static final String NS = "eps-it";
    static KubeApiServer api;
    static KubernetesClient client;
    static EchoServer e1;
    static EchoServer e2;
    static EchoServer e3;
    static GatewayApp gateway;
    static String address;

    @BeforeAll
    static void start() {
        api = KubeApiServer.shared();
        client = api.client();
        KubeFixtures.installCrd(client);
        KubeFixtures.createNamespace(client, NS);
        TestNetwork network = TestNetwork.shared();
        address = network.address();
        e1 = EchoServer.start("e1", network);
        e2 = EchoServer.start("e2", network);
        e3 = EchoServer.start("e3", network);
        Map<String, String> props = new java.util.LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        props.put("isthmus.kubernetes.namespaces", NS);
        props.put("isthmus.kubernetes.status-writer", "false");
        props.put("isthmus.kubernetes.default-namespace", NS); // the routes file's services resolve here
        gateway = GatewayApp.start(null, props);
        assertThat(dev.isthmus.testsupport.Await.until(Duration.ofSeconds(30),
                () -> gateway.bean(KubernetesServiceRegistry.class).synced().isDone())).isTrue();
        gateway.writeRoutes("""
                routes:
                  - name: web
                    match: {path: {prefix: /web/}}
                    backends: [{service: web, port: http}]
                  - name: web-default-port
                    match: {path: {prefix: /web-default/}}
                    backends: [{service: web}]
                  - name: web-80
                    match: {path: {prefix: /web-80/}}
                    backends: [{service: web, port: "80"}]
                  - name: web-admin
                    match: {path: {prefix: /web-admin/}}
                    backends: [{service: "k8s:%s/web", port: admin}]
                  - name: web-9000
                    match: {path: {prefix: /web-9000/}}
                    backends: [{service: web, port: "9000"}]
                """.formatted(NS));
    }

    @AfterEach
    void clean() {
        client.discovery().v1().endpointSlices().inNamespace(NS).delete();
        client.services().inNamespace(NS).delete();
        dev.isthmus.testsupport.Await.until(Duration.ofSeconds(5), () -> !registry().knows(web()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        client.close();
        e1.close();
        e2.close();
        e3.close();
    }

    static KubernetesServiceRegistry registry() {
        return gateway.bean(KubernetesServiceRegistry.class);
    }

    static BackendTarget.Service web() {
        return new BackendTarget.Service(Registry.ANY, NS, null, "web", "http");
    }

    static void service() {
        client.resource(KubeFixtures.service(NS, "web", KubeFixtures.port("http", 80), KubeFixtures.port("admin", 9000))).serverSideApply();
    }

    static void slice(String name, String port, EchoServer server, Endpoint... endpoints) {
        client.resource(KubeFixtures.slice(NS, name, "web", List.of(KubeFixtures.slicePort(port, server.port())), List.of(endpoints)))
                .forceConflicts().serverSideApply();
    }

    static Endpoint ready() {
        return KubeFixtures.endpoint(address, true, false);
    }

    /** Which servers answer a series of requests (round robin visits every instance). */
    static Set<String> servers(String path) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            var r = gateway.get(path);
            seen.add(r.statusCode() == 200 ? r.headers().firstValue("X-Upstream").orElse("?") : "status " + r.statusCode());
        }
        return seen;
    }

    static long timeUntilServers(Runnable change, String path, Set<String> expected) {
        long start = System.nanoTime();
        change.run();
        long ms = KubeFixtures.millisUntil(Duration.ofSeconds(10), () -> servers(path).equals(expected));
        assertThat(ms).as("%s served by %s (last seen %s)", path, expected, servers(path)).isNotNegative();
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void followsScaleUpScaleDownReadinessAndTermination() {
        service();
        long[] ms = new long[7];
        ms[0] = timeUntilServers(() -> slice("web-1", "http", e1, ready()), "/web/x", Set.of("e1"));
        // scale up: a second slice, the way the controller adds pods whose target port differs
        ms[1] = timeUntilServers(() -> slice("web-2", "http", e2, ready()), "/web/x", Set.of("e1", "e2"));
        // not ready: out of rotation
        ms[2] = timeUntilServers(() -> slice("web-2", "http", e2, KubeFixtures.endpoint(address, false, false)), "/web/x", Set.of("e1"));
        // readiness unknown (no condition): ready, as the API documents
        ms[3] = timeUntilServers(() -> slice("web-2", "http", e2, KubeFixtures.endpoint(address, null, null)), "/web/x", Set.of("e1", "e2"));
        // terminating, even with ready overridden to true: no new requests
        ms[4] = timeUntilServers(() -> slice("web-2", "http", e2, KubeFixtures.endpoint(address, true, true)), "/web/x", Set.of("e1"));
        // scale down to nothing in the first slice, e2 back
        ms[5] = timeUntilServers(() -> {
            slice("web-1", "http", e1);
            slice("web-2", "http", e2, ready());
        }, "/web/x", Set.of("e2"));
        ms[6] = timeUntilServers(() -> client.discovery().v1().endpointSlices().inNamespace(NS).withName("web-2").delete(),
                "/web/x", Set.of("status 503"));
        System.out.printf("[EndpointSliceDiscoveryIT] EndpointSlice change -> traffic follows: %s ms%n", java.util.Arrays.toString(ms));
        for (long m : ms) {
            assertThat(m).isBetween(0L, 999L);
        }
        assertThat(registry().knows(web())).as("the Service exists, with no instance").isTrue();
        assertThat(registry().instances(web())).isEmpty();
    }

    @Test
    void mapsNamedAndNumberedServicePortsToEndpointSlicePorts() {
        service();
        slice("web-http", "http", e1, ready());
        slice("web-admin", "admin", e3, ready());
        assertThat(dev.isthmus.testsupport.Await.until(Duration.ofSeconds(5), () -> servers("/web-admin/x").equals(Set.of("e3")))).isTrue();

        assertThat(servers("/web/x")).as("port: http").containsExactly("e1");
        assertThat(servers("/web-80/x")).as("port: 80, the Service port number").containsExactly("e1");
        assertThat(servers("/web-default/x")).as("no port: the first Service port").containsExactly("e1");
        assertThat(servers("/web-admin/x")).as("port: admin, qualified k8s:ns/name").containsExactly("e3");
        assertThat(servers("/web-9000/x")).as("port: 9000").containsExactly("e3");

        var instances = registry().instances(new BackendTarget.Service(Registry.KUBERNETES, NS, null, "web", "admin"));
        assertThat(instances).singleElement().satisfies(i -> {
            assertThat(i.host()).isEqualTo(address);
            assertThat(i.port()).isEqualTo(e3.port());
            assertThat(i.registry()).isEqualTo(Registry.KUBERNETES);
            assertThat(i.metadata()).containsEntry("service", "web").containsEntry("namespace", NS);
        });
        assertThat(registry().instances(new BackendTarget.Service(Registry.ANY, NS, null, "web", "nope"))).as("no such port").isEmpty();
        assertThat(registry().snapshot()).containsKeys("k8s:" + NS + "/web:http", "k8s:" + NS + "/web:admin");
    }

    @Test
    void knowsAServiceByItsServiceObjectAndForgetsItWhenDeleted() {
        assertThat(registry().knows(web())).isFalse();
        // slices without their Service: not a known service
        slice("web-http", "http", e1, ready());
        assertThat(KubeFixtures.millisUntil(Duration.ofSeconds(2), () -> registry().knows(web()))).isNegative();
        assertThat(servers("/web/x")).containsExactly("status 503");

        long created = KubeFixtures.millisUntil(Duration.ofSeconds(5), () -> {
            service();
            return registry().knows(web()) && servers("/web/x").equals(Set.of("e1"));
        });
        assertThat(created).isBetween(0L, 999L);

        client.services().inNamespace(NS).withName("web").delete();
        assertThat(KubeFixtures.millisUntil(Duration.ofSeconds(5), () -> !registry().knows(web()))).isBetween(0L, 999L);
        assertThat(registry().instances(web())).isEmpty();
    }

    @Test
    void anEndpointMovingBetweenSlicesIsOneInstance() {
        service();
        EndpointSlice a = KubeFixtures.slice(NS, "web-a", "web", List.of(KubeFixtures.slicePort("http", e1.port())), List.of(ready()));
        EndpointSlice b = new EndpointSliceBuilder(a).editMetadata().withName("web-b").endMetadata().build();
        client.resource(a).serverSideApply();
        client.resource(b).serverSideApply();
        assertThat(dev.isthmus.testsupport.Await.until(Duration.ofSeconds(5), () -> registry().instances(web()).size() == 1
                && gateway.bean(KubernetesServiceRegistry.class).snapshot().get("k8s:" + NS + "/web:http").size() == 1)).isTrue();
    }
}
