package dev.isthmus.source.kubernetes;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.discovery.kubernetes.KubernetesServiceRegistry;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.spec.GatewayRouteStatus;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.TestNetwork;

import static dev.isthmus.testsupport.KubeFixtures.condition;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway survives an API server restart (a private kube-apiserver, restarted on the same
 * etcd behind a proxy that keeps its address): while it is down, every route and endpoint keeps
 * serving and the sources report DEGRADED; when it is back, the watches resume, the sources are
 * SYNCED again, and changes made afterwards (routes, endpoints, status) are applied.
 */
class KubernetesApiServerRestartIT {

    static final String NS = "restart-it";
    static KubeApiServer api;
    static KubernetesClient client;
    static EchoServer a;
    static EchoServer b;
    static EchoServer svc1;
    static EchoServer svc2;
    static KubeGateway gateway;

    @BeforeAll
    static void start() {
        api = KubeApiServer.start();
        client = api.client();
        KubeFixtures.installCrd(client);
        KubeFixtures.createNamespace(client, NS);
        a = EchoServer.start("a");
        b = EchoServer.start("b");
        TestNetwork network = TestNetwork.shared();
        svc1 = EchoServer.start("svc-1", network);
        svc2 = EchoServer.start("svc-2", network);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("isthmus.kubernetes.namespaces", NS);
        props.put("isthmus.kubernetes.lease-duration", "3s");
        // first reconnect step after a lost watch; fabric8 doubles it per failed attempt, up to 32x
        props.put("spring.cloud.kubernetes.client.watch-reconnect-interval", "250ms");
        gateway = KubeGateway.start(api, NS, props);
        assertThat(gateway.awaitLeader()).isTrue();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        client.close();
        api.close();
        a.close();
        b.close();
        svc1.close();
        svc2.close();
    }

    static void route(String name, String path, String backend) {
        client.resource(KubeFixtures.gatewayRoute(NS, name, """
                match: {path: {prefix: %s}}
                backends: [%s]
                """.formatted(path, backend))).forceConflicts().serverSideApply();
    }

    static boolean accepted(String name, long generation) {
        GatewayRouteStatus s = KubeFixtures.status(client, NS, name);
        return s != null && s.observedGeneration() == generation && "True".equals(condition(s, "Accepted").getStatus());
    }

    static SyncStatus.State state() {
        return gateway.app.bean(GatewayRouteSource.class).status().state();
    }

    @Test
    void routesSurviveARestartAndChangesAfterItApply() {
        client.resource(KubeFixtures.service(NS, "svc", KubeFixtures.port("http", 80))).serverSideApply();
        client.resource(KubeFixtures.slice(NS, "svc-1", "svc", List.of(KubeFixtures.slicePort("http", svc1.port())),
                List.of(KubeFixtures.endpoint(svc1.host(), true, false)))).serverSideApply();
        route("before", "/before/", "{url: \"" + a.url() + "\"}");
        route("service", "/service/", "{service: svc, port: http}");
        assertThat(Await.until(Duration.ofSeconds(10), () -> gateway.server("/before/x").equals("a")
                && gateway.server("/service/x").equals("svc-1") && accepted("before", 1))).isTrue();
        assertThat(state()).isEqualTo(SyncStatus.State.SYNCED);

        // down: routes and endpoints keep serving, the sources say DEGRADED and why
        api.stopApiServer();
        long downAt = System.nanoTime();
        assertThat(Await.until(Duration.ofSeconds(15), () -> state() == SyncStatus.State.DEGRADED)).isTrue();
        long degradedAfter = (System.nanoTime() - downAt) / 1_000_000;
        SyncStatus degraded = gateway.app.bean(GatewayRouteSource.class).status();
        assertThat(degraded.lastError()).contains("lost the watch on gatewayroutes.isthmus.dev");
        assertThat(gateway.app.bean(ConfigMapRouteSource.class).status().state()).isEqualTo(SyncStatus.State.DEGRADED);
        for (int i = 0; i < 20; i++) {
            assertThat(gateway.server("/before/x")).isEqualTo("a");
            assertThat(gateway.server("/service/x")).isEqualTo("svc-1");
        }
        assertThat(gateway.app.bean(KubernetesServiceRegistry.class).snapshot()).containsKey("k8s:" + NS + "/svc");

        // back: the watch resumes, the sources are SYNCED again
        long upStart = System.nanoTime();
        api.startApiServerAgain();
        long restartMillis = (System.nanoTime() - upStart) / 1_000_000;
        long upAt = System.nanoTime();
        assertThat(Await.until(Duration.ofSeconds(60), () -> state() == SyncStatus.State.SYNCED)).as("resynced").isTrue();
        long resumedAfter = (System.nanoTime() - upAt) / 1_000_000;
        System.out.printf("[KubernetesApiServerRestartIT] DEGRADED %d ms after the API server went down; API server restart took %d ms;"
                + " watch resumed (SYNCED) %d ms after it was back%n", degradedAfter, restartMillis, resumedAfter);

        // changes made after it came back: a new route, an edited one, a new endpoint, status
        long routeMs = KubeGateway.timeTo(() -> {
            route("after", "/after/", "{url: \"" + b.url() + "\"}");
            route("before", "/before/", "{url: \"" + b.url() + "\"}");
        }, () -> gateway.server("/after/x").equals("b") && gateway.server("/before/x").equals("b"));
        long sliceMs = KubeGateway.timeTo(() -> client.resource(KubeFixtures.slice(NS, "svc-1", "svc",
                List.of(KubeFixtures.slicePort("http", svc2.port())), List.of(KubeFixtures.endpoint(svc2.host(), true, false))))
                .forceConflicts().serverSideApply(), () -> gateway.server("/service/x").equals("svc-2"));
        System.out.printf("[KubernetesApiServerRestartIT] after the restart: route change -> routed %d ms, EndpointSlice change -> routed %d ms%n",
                routeMs, sliceMs);
        assertThat(routeMs).isBetween(0L, 999L);
        assertThat(sliceMs).isBetween(0L, 999L);
        assertThat(Await.until(Duration.ofSeconds(30), () -> accepted("after", 1) && accepted("before", 2)))
                .as("the status writer is back too").isTrue();
    }
}
