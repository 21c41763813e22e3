package dev.isthmus.runtime;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.EchoServer.Reply;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/** Circuit breakers, bulkheads and rate limits against real upstreams and a real Redis. */
class ResilienceIT {

    @Test
    void circuitBreakerOpensThenHalfOpensAndCloses() {
        try (EchoServer up = EchoServer.start("up")) {
            up.behave(r -> Reply.status(500));
            try (GatewayApp gw = GatewayApp.start("""
                    routes:
                      - name: cb
                        match: {path: {prefix: /cb}}
                        circuitBreaker: {failureRateThreshold: 50, minimumCalls: 4, openDuration: 1s, halfOpenCalls: 2}
                        backends: [{url: "%s"}]
                    """.formatted(up.url()))) {
                for (int i = 0; i < 4; i++) {
                    assertThat(gw.get("/cb").statusCode()).isEqualTo(500);
                }
                CircuitBreaker breaker = gw.bean(CircuitBreakerRegistry.class).find("file/cb").orElseThrow();
                assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
                int before = up.count();
                HttpResponse<String> shortCircuited = gw.get("/cb");
                assertThat(shortCircuited.statusCode()).isEqualTo(503);
                assertThat(up.count()).as("an open breaker does not call the upstream").isEqualTo(before);

                up.behave(r -> Reply.ok());
                assertThat(Await.until(Duration.ofSeconds(5), () -> breaker.getState() == CircuitBreaker.State.HALF_OPEN)).isTrue();
                assertThat(gw.get("/cb").statusCode()).isEqualTo(200);
                assertThat(gw.get("/cb").statusCode()).isEqualTo(200);
                assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
            }
        }
    }

    @Test
    void bulkheadRefusesRequestsBeyondTheUpstreamsConcurrencyLimit() throws Exception {
        try (EchoServer slow = EchoServer.start("slow")) {
            slow.behave(r -> Reply.delayed(Duration.ofMillis(800)));
            try (GatewayApp gw = GatewayApp.start("""
                    routes:
                      - name: slow
                        match: {path: {prefix: /slow}}
                        backends: [{url: "%s"}]
                    """.formatted(slow.url()), Map.of("isthmus.upstream.max-concurrent-requests", "3"))) {
                var pool = Executors.newFixedThreadPool(6);
                List<CompletableFuture<Integer>> calls = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    calls.add(CompletableFuture.supplyAsync(() -> gw.get("/slow").statusCode(), pool));
                }
                List<Integer> statuses = calls.stream().map(CompletableFuture::join).toList();
                pool.shutdown();
                assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(3);
                assertThat(statuses.stream().filter(s -> s == 503).count()).isEqualTo(3);
                assertThat(slow.count()).isEqualTo(3);
            }
        }
    }

    @Test
    void localRateLimitAnswers429WithRetryAfter() {
        try (EchoServer up = EchoServer.start("up");
                GatewayApp gw = GatewayApp.start("""
                        routes:
                          - name: limited
                            match: {path: {prefix: /rl}}
                            rateLimit: {requestsPerSecond: 1, burst: 3, key: "header:X-Api-Key"}
                            backends: [{url: "%s"}]
                        """.formatted(up.url()))) {
            List<Integer> alice = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                alice.add(gw.send(gw.request("/rl").header("X-Api-Key", "alice").build()).statusCode());
            }
            long refilled = (System.nanoTime() - start) / 1_000_000_000L; // one token per second of test time
            assertThat(alice.subList(0, 3)).containsOnly(200);
            assertThat(alice.stream().filter(s -> s == 200).count()).isBetween(3L, 3L + refilled);
            assertThat(alice).contains(429);
            HttpResponse<String> limited = gw.send(gw.request("/rl").header("X-Api-Key", "alice").build());
            assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(limited.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
            assertThat(gw.send(gw.request("/rl").header("X-Api-Key", "bob").build()).statusCode()).isEqualTo(200);
            assertThat(up.count()).isEqualTo((int) alice.stream().filter(s -> s == 200).count() + 1);
        }
    }

    @Test
    void redisRateLimitHoldsAcrossTwoGatewaysAndFailsOpenOrClosedAsConfigured() {
        try (RedisServer redis = RedisServer.start(); EchoServer up = EchoServer.start("up")) {
            String routes = """
                    routes:
                      - name: shared
                        match: {path: {prefix: /shared}}
                        rateLimit: {requestsPerSecond: 1, burst: 10, key: "header:X-Api-Key", scope: redis}
                        backends: [{url: "%s"}]
                    """.formatted(up.url());
            Map<String, String> redisProps = Map.of("spring.data.redis.host", redis.host(), "spring.data.redis.port",
                    String.valueOf(redis.port()));
            Map<String, String> closed = new java.util.HashMap<>(redisProps);
            closed.put("isthmus.rate-limit.redis-fail-open", "false");
            try (GatewayApp one = GatewayApp.start(routes, redisProps); GatewayApp two = GatewayApp.start(routes, closed)) {
                AtomicInteger allowed = new AtomicInteger();
                AtomicInteger limited = new AtomicInteger();
                for (int i = 0; i < 30; i++) {
                    GatewayApp gw = i % 2 == 0 ? one : two;
                    int status = gw.send(gw.request("/shared").header("X-Api-Key", "tenant-a").build()).statusCode();
                    (status == 200 ? allowed : limited).incrementAndGet();
                }
                // one bucket of 10 (plus at most a couple refilled during the loop), shared by both gateways
                assertThat(allowed.get()).isBetween(10, 13);
                assertThat(limited.get()).isBetween(17, 20);
                // the client's key is stored as a 128-bit digest, never as sent
                assertThat(redis.command("KEYS", "isthmus.rate_limit.*")).doesNotContain("tenant-a")
                        .containsPattern("isthmus\\.rate_limit\\.\\{file/shared\\|[0-9a-f]{32}\\}\\.tokens");

                redis.kill();
                // gateway one fails open, gateway two fails closed
                assertThat(one.send(one.request("/shared").header("X-Api-Key", "tenant-b").build()).statusCode()).isEqualTo(200);
                assertThat(two.send(two.request("/shared").header("X-Api-Key", "tenant-b").build()).statusCode()).isEqualTo(503);
                assertThat(one.admin("/actuator/health").body()).contains("\"rateLimitRedis\":{\"details\"").contains("DEGRADED");
            }
        }
    }
}
