package dev.isthmus.discovery.consul;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;

import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code isthmus.consul.failover.datacenters} with two real Consul datacenters federated over WAN on
 * loopback: {@code consul:orders} moves to dc2 when dc1's only instance goes critical and back when
 * it passes again; {@code consul:dc1/orders} stays on dc1 (503 while critical). Prints the failover
 * and fail-back times: from just before the agent API call that changes the check to the first
 * request, in a back-to-back loop, answered by the other datacenter.
 */
class ConsulFailoverIT {

    private static final int ROUNDS = 10;
    private static final Duration SWITCH_LIMIT = Duration.ofSeconds(10);
    /**
     * Between changes, as in ConsulLatencyIT: a blocking query reads at most 20 times a second (its
     * rate limit), so back-to-back changes would measure that limit rather than the failover.
     */
    private static final Duration PAUSE = Duration.ofMillis(150);

    @Test
    void failsOverToTheNextDatacenterAndBackWhilePinnedRoutesStay() throws Exception {
        try (ConsulServer dc1 = ConsulServer.startDatacenter("dc1"); ConsulServer dc2 = ConsulServer.startDatacenter("dc2");
                EchoServer local = EchoServer.start("dc1-orders"); EchoServer remote = EchoServer.start("dc2-orders")) {
            dc1.joinWan(dc2, Duration.ofSeconds(30));
            dc1.register("orders-1", "orders", "127.0.0.1", local.port(), List.of(), Map.of(), "10m");
            dc2.register("orders-2", "orders", "127.0.0.1", remote.port(), List.of(), Map.of(), "10m");
            try (GatewayApp gateway = GatewayApp.start("""
                    routes:
                      - name: orders
                        match: {path: {prefix: /orders/}}
                        backends: [{service: "consul:orders"}]
                      - name: pinned
                        match: {path: {prefix: /pinned/}}
                        backends: [{service: "consul:dc1/orders"}]
                      - name: unqualified
                        match: {path: {prefix: /unqualified/}}
                        backends: [{service: "orders"}]
                    """, ConsulTestSupport.gatewayProperties(dc1, "isthmus.consul.datacenters", "dc1,dc2",
                    "isthmus.consul.failover.datacenters", "dc2"))) {
                assertThat(Await.until(Duration.ofSeconds(15), () -> upstream(gateway.get("/orders/")).equals("dc1-orders"))).isTrue();
                assertThat(upstream(gateway.get("/pinned/"))).isEqualTo("dc1-orders");
                assertThat(ConsulTestSupport.gauge(gateway, "isthmus.consul.failover.active", "service", "orders", "datacenter", "dc1")).isEqualTo(1.0);

                List<Long> failover = new ArrayList<>();
                List<Long> failback = new ArrayList<>();
                List<Long> apiCalls = new ArrayList<>();
                for (int round = 0; round < ROUNDS; round++) {
                    Thread.sleep(PAUSE.toMillis());
                    long critical = System.nanoTime();
                    dc1.checkFail("orders-1");
                    apiCalls.add(ConsulTestSupport.millisSince(critical));
                    failover.add(untilAnsweredBy(gateway, "dc2-orders", critical));

                    assertThat(gateway.get("/pinned/").statusCode()).as("a pinned datacenter never fails over").isEqualTo(503);
                    assertThat(upstream(gateway.get("/unqualified/"))).as("Consul's answer for an unqualified name fails over too")
                            .isEqualTo("dc2-orders");
                    assertThat(ConsulTestSupport.gauge(gateway, "isthmus.consul.failover.active", "service", "orders", "datacenter", "dc2")).isEqualTo(1.0);
                    assertThat(ConsulTestSupport.gauge(gateway, "isthmus.consul.failover.active", "service", "orders", "datacenter", "dc1")).isZero();
                    if (round == 0) {
                        JsonNode orders = upstreamView(gateway, "consul:orders");
                        assertThat(orders.path("consulDatacenter").asText()).isEqualTo("dc2");
                        assertThat(orders.path("failedOver").asBoolean()).isTrue();
                        assertThat(orders.path("instances").get(0).path("address").asText()).endsWith(":" + remote.port());
                        JsonNode pinned = upstreamView(gateway, "consul:dc1/orders");
                        assertThat(pinned.path("consulDatacenter").asText()).isEqualTo("dc1");
                        assertThat(pinned.path("failedOver").asBoolean()).isFalse();
                    }

                    Thread.sleep(PAUSE.toMillis());
                    long passing = System.nanoTime();
                    dc1.checkPass("orders-1");
                    apiCalls.add(ConsulTestSupport.millisSince(passing));
                    failback.add(untilAnsweredBy(gateway, "dc1-orders", passing));
                    assertThat(upstream(gateway.get("/pinned/"))).isEqualTo("dc1-orders");
                    assertThat(upstream(gateway.get("/unqualified/"))).isEqualTo("dc1-orders");
                }
                assertThat(upstreamView(gateway, "consul:orders").path("failedOver").asBoolean()).isFalse();
                assertThat(ConsulTestSupport.counter(gateway, "isthmus.consul.failover.switches", "service", "orders", "direction", "failover",
                        "from", "dc1", "to", "dc2")).isEqualTo(ROUNDS);
                assertThat(ConsulTestSupport.counter(gateway, "isthmus.consul.failover.switches", "service", "orders", "direction", "failback",
                        "from", "dc2", "to", "dc1")).isEqualTo(ROUNDS);
                System.out.printf("ConsulFailoverIT: failover ms %s (p50 %d, max %d); fail-back ms %s (p50 %d, max %d);"
                        + " of which the agent API call ms %s (p50 %d, max %d)%n", failover, p50(failover), max(failover), failback,
                        p50(failback), max(failback), apiCalls, p50(apiCalls), max(apiCalls));
            }
        }
    }

    @Test
    void aFailoverDatacenterThatIsNotWatchedStopsStartUp() {
        // refused while the beans are built, before any connection: no agent needed
        assertThatThrownBy(() -> GatewayApp.start("routes: []\n", Map.of("isthmus.consul.enabled", "true",
                "spring.cloud.consul.host", "127.0.0.1", "spring.cloud.consul.port", "1",
                "isthmus.consul.datacenters", "dc1,dc2", "isthmus.consul.failover.datacenters", "dc3")).close())
                .hasStackTraceContaining("IllegalStateException: isthmus.consul.failover.datacenters [dc3] 'dc3' is not watched; "
                        + "add it to isthmus.consul.datacenters [dc1, dc2]");
    }

    /** Requests back to back until {@code upstream} answers; the milliseconds since {@code startNanos}. */
    private static long untilAnsweredBy(GatewayApp gateway, String upstream, long startNanos) {
        long deadline = startNanos + SWITCH_LIMIT.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            last = upstream(gateway.get("/orders/"));
            if (last.equals(upstream)) {
                return ConsulTestSupport.millisSince(startNanos);
            }
        }
        throw new AssertionError("no answer from " + upstream + " within " + SWITCH_LIMIT + "; last: " + last);
    }

    private static JsonNode upstreamView(GatewayApp gateway, String backend) throws Exception {
        JsonNode report = new ObjectMapper().readTree(gateway.admin("/actuator/upstreams").body());
        for (JsonNode u : report.path("upstreams")) {
            if (u.path("backend").asText().equals(backend)) {
                return u;
            }
        }
        throw new AssertionError("no upstream " + backend + " in " + report);
    }

    private static long p50(List<Long> values) {
        return values.stream().sorted().toList().get((values.size() - 1) / 2);
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
