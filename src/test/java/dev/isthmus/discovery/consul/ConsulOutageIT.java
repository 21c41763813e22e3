package dev.isthmus.discovery.consul;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.isthmus.model.SyncStatus.State;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.TcpProxy;

import static dev.isthmus.discovery.consul.ConsulTestSupport.millisSince;
import static dev.isthmus.discovery.consul.ConsulTestSupport.sourceStatus;
import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Last known good: with Consul gone the gateway keeps routing on the catalog it had, says it is
 * degraded (status, health, metrics) without failing requests, and resyncs, without a restart, when
 * Consul is back, including changes made while it could not see them.
 */
class ConsulOutageIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Requests in a steady loop from a background thread; counts answers by status. */
    static final class RequestLoop implements AutoCloseable {
        final Map<String, AtomicInteger> byOutcome = new ConcurrentHashMap<>();
        final AtomicInteger total = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        RequestLoop(GatewayApp gateway, List<String> paths) {
            thread = new Thread(() -> {
                int i = 0;
                while (running.get()) {
                    String path = paths.get(i++ % paths.size());
                    String outcome;
                    try {
                        HttpResponse<String> r = gateway.send(gateway.request(path).timeout(Duration.ofSeconds(5)).build());
                        outcome = path + " " + r.statusCode();
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                    }
                    catch (RuntimeException e) {
                        outcome = path + " " + e.getClass().getSimpleName();
                        errors.incrementAndGet();
                    }
                    total.incrementAndGet();
                    byOutcome.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
                    try {
                        Thread.sleep(5);
                    }
                    catch (InterruptedException e) {
                        return;
                    }
                }
            }, "steady-requests");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    private static JsonNode health(GatewayApp gateway) throws Exception {
        HttpResponse<String> r = gateway.admin("/actuator/health");
        JsonNode body = JSON.readTree(r.body());
        ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("httpStatus", r.statusCode());
        return body;
    }

    private static void awaitRoutable(GatewayApp gateway, String path, String server) {
        assertThat(Await.until(Duration.ofSeconds(10), () -> upstream(gateway.get(path)).equals(server)))
                .as("%s routed to %s", path, server).isTrue();
    }

    @Test
    void keepsRoutingWhileConsulIsDownAndResyncsWhenItIsBack() throws Exception {
        try (ConsulServer consul = ConsulServer.start(true, null); EchoServer a = EchoServer.start("a"); EchoServer b = EchoServer.start("b");
                GatewayApp gateway = GatewayApp.start("""
                        routes:
                          - name: steady
                            match: {path: {prefix: /steady/}}
                            backends: [{service: "consul:steady"}]
                        """, ConsulTestSupport.gatewayProperties(consul))) {
            consul.register("steady-1", "steady", "127.0.0.1", a.port(), List.of(), Map.of(), null);
            consul.register("tagged-1", "tagged", "127.0.0.1", b.port(), List.of("isthmus.enable=true"), Map.of(), null);
            awaitRoutable(gateway, "/steady/", "a");
            awaitRoutable(gateway, "/tagged/", "b");
            assertThat(health(gateway).at("/components/consulDiscovery/status").asText()).isEqualTo("UP");

            RequestLoop loop = new RequestLoop(gateway, List.of("/steady/", "/tagged/"));
            Thread.sleep(300);
            long killedAt = System.nanoTime();
            int beforeOutage = loop.total.get();
            consul.kill();

            assertThat(Await.until(Duration.ofSeconds(5), () -> sourceStatus(gateway).state() == State.DEGRADED)).isTrue();
            System.out.printf("Consul killed -> source DEGRADED: %d ms%n", millisSince(killedAt));
            assertThat(sourceStatus(gateway).lastError()).contains("UNREACHABLE");
            assertThat(ConsulTestSupport.watcher(gateway).status().state()).isEqualTo(State.DEGRADED);
            JsonNode health = health(gateway);
            assertThat(health.at("/components/consulDiscovery/status").asText()).isEqualTo("DEGRADED");
            assertThat(health.at("/components/consulDiscovery/details/dc1/errorKind").asText()).isEqualTo("unreachable");
            // the whole gateway says DEGRADED (last known good data served), and probes still pass
            assertThat(health.at("/status").asText()).isEqualTo("DEGRADED");
            assertThat(health.at("/httpStatus").asInt()).isEqualTo(200);
            // Spring Cloud Consul's own indicator (DOWN on any outage) is off
            assertThat(health.at("/components/consul").isMissingNode()).isTrue();
            assertThat(ConsulTestSupport.gauge(gateway, "isthmus.consul.connected", "datacenter", "dc1")).isZero();
            assertThat(ConsulTestSupport.counter(gateway, "isthmus.consul.sync.errors", "datacenter", "dc1", "kind", "unreachable"))
                    .isPositive();

            Thread.sleep(2_000); // a while without Consul, under load

            long restartAt = System.nanoTime();
            consul.restart();
            long upAt = System.nanoTime();
            int duringOutage = loop.total.get() - beforeOutage;
            assertThat(Await.until(Duration.ofSeconds(15), () -> sourceStatus(gateway).state() == State.SYNCED)).isTrue();
            System.out.printf("Consul restarted in %d ms; gateway resynced %d ms after it answered; errors by kind: %s%n",
                    (upAt - restartAt) / 1_000_000, millisSince(upAt), gateway.bean(io.micrometer.core.instrument.MeterRegistry.class)
                            .find("isthmus.consul.sync.errors").counters().stream()
                            .map(c -> c.getId().getTag("kind") + "=" + (long) c.count()).toList());
            assertThat(ConsulTestSupport.gauge(gateway, "isthmus.consul.connected", "datacenter", "dc1")).isEqualTo(1.0);
            assertThat(health(gateway).at("/components/consulDiscovery/status").asText()).isEqualTo("UP");

            // a registration after the restart is picked up without restarting the gateway
            long t0 = System.nanoTime();
            consul.register("after-1", "after", "127.0.0.1", a.port(), List.of("isthmus.enable=true"), Map.of(), null);
            awaitRoutable(gateway, "/after/", "a");
            System.out.printf("after restart: register -> routable %d ms%n", millisSince(t0));
            assertThat(millisSince(t0)).isLessThan(1000);

            Thread.sleep(300);
            loop.close();
            System.out.printf("steady loop: %d requests (%d while Consul was down), outcomes %s%n", loop.total.get(), duringOutage,
                    loop.byOutcome);
            assertThat(loop.errors.get()).as("failed requests: %s", loop.byOutcome).isZero();
            assertThat(duringOutage).isGreaterThan(100);
        }
    }

    @Test
    void changesMadeWhileConsulWasUnreachableArePickedUpWhenItIsReachableAgain() throws InterruptedException {
        try (ConsulServer consul = ConsulServer.start(); TcpProxy proxy = new TcpProxy(consul.port()); EchoServer a = EchoServer.start("a");
                EchoServer b = EchoServer.start("b");
                GatewayApp gateway = GatewayApp.start(null, ConsulTestSupport.gatewayProperties(consul,
                        "spring.cloud.consul.port", String.valueOf(proxy.port())))) {
            consul.register("moved-1", "moved", "127.0.0.1", a.port(), List.of("isthmus.enable=true"), Map.of(), null);
            awaitRoutable(gateway, "/moved/", "a");

            proxy.outage();
            // TcpProxy.outage() can miss a connection accepted while it runs (it is added to the
            // proxy's set afterwards): a second call closes it, so no query still reaches Consul
            Thread.sleep(200);
            proxy.outage();
            assertThat(Await.until(Duration.ofSeconds(5), () -> sourceStatus(gateway).state() == State.DEGRADED
                    && ConsulTestSupport.gauge(gateway, "isthmus.consul.connected", "datacenter", "dc1") == 0)).isTrue();
            // behind the gateway's back: the instance moves, a new service appears
            consul.deregister("moved-1");
            consul.register("moved-2", "moved", "127.0.0.1", b.port(), List.of("isthmus.enable=true"), Map.of(), null);
            consul.register("appeared-1", "appeared", "127.0.0.1", a.port(), List.of("isthmus.enable=true"), Map.of(), null);
            // last known good meanwhile: the old instance is still alive and still used
            for (int i = 0; i < 10; i++) {
                assertThat(upstream(gateway.get("/moved/"))).isEqualTo("a");
            }
            assertThat(gateway.get("/appeared/").statusCode()).isEqualTo(404);
            assertThat(sourceStatus(gateway).state()).isEqualTo(State.DEGRADED);

            long t0 = System.nanoTime();
            proxy.restore();
            assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(gateway.get("/appeared/")).equals("a"))).isTrue();
            assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(gateway.get("/moved/")).equals("b"))).isTrue();
            long ms = millisSince(t0);
            System.out.printf("Consul reachable again -> changes made meanwhile routed: %d ms%n", ms);
            assertThat(ms).isLessThan(2_000); // max-backoff (1 s) + a read
            for (int i = 0; i < 10; i++) {
                assertThat(upstream(gateway.get("/moved/"))).isEqualTo("b");
            }
            assertThat(Await.until(Duration.ofSeconds(5), () -> sourceStatus(gateway).state() == State.SYNCED)).isTrue();
        }
    }

    @Test
    void anAgentBackWithOtherDataAndALowerIndexIsFollowed() {
        // a -dev agent keeps its catalog in memory: restarted, it is a new cluster at a lower index
        try (ConsulServer consul = ConsulServer.start(); EchoServer a = EchoServer.start("a");
                GatewayApp gateway = GatewayApp.start(null, ConsulTestSupport.gatewayProperties(consul))) {
            consul.register("old-1", "old", "127.0.0.1", a.port(), List.of("isthmus.enable=true"), Map.of(), null);
            for (int i = 0; i < 40; i++) { // raise the index well above a fresh agent's
                consul.register("churn-" + i, "churn", "127.0.0.1", a.port(), List.of(), Map.of(), null);
                consul.deregister("churn-" + i);
            }
            // a last catalog change, so the watch publishes a view at the raised index
            consul.register("marker-1", "marker", "127.0.0.1", a.port(), List.of(), Map.of(), null);
            awaitRoutable(gateway, "/old/", "a");
            assertThat(Await.until(Duration.ofSeconds(5),
                    () -> ConsulTestSupport.watcher(gateway).view().datacenter(null).catalogIndex() > 80)).isTrue();
            long before = ConsulTestSupport.watcher(gateway).view().datacenter(null).catalogIndex();

            consul.restart();
            consul.register("fresh-1", "fresh", "127.0.0.1", a.port(), List.of("isthmus.enable=true"), Map.of(), null);
            awaitRoutable(gateway, "/fresh/", "a");
            assertThat(Await.until(Duration.ofSeconds(5), () -> gateway.get("/old/").statusCode() == 404)).isTrue();
            long after = ConsulTestSupport.watcher(gateway).view().datacenter(null).catalogIndex();
            System.out.printf("catalog index before restart %d, after %d%n", before, after);
            assertThat(after).isLessThan(before);
        }
    }
}
