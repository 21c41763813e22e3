package dev.isthmus.security;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;
import dev.isthmus.testsupport.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * State a client can make the gateway keep, against the real jar with a small heap (192 MB, and
 * -XX:+ExitOnOutOfMemoryError, as in the image): metric series per HTTP method, local rate-limit
 * buckets per header value, mirror permits held by aborted uploads. Each must stay bounded, and
 * past its bound the gateway must stay safe (limit, not let through).
 */
class BoundedStateIT {

    static EchoServer upstream;
    static EchoServer shadow;
    static GatewayProcess gateway;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        upstream = EchoServer.start("up");
        shadow = EchoServer.start("shadow");
        String routes = """
                routes:
                  - name: any-method
                    match: {path: {prefix: /any}}
                    backends: [{url: "%1$s"}]
                  # buckets that stay in the table for a day once used (burst 86400 at 1/s)
                  - name: by-key
                    match: {path: {prefix: /by-key}}
                    rateLimit: {requestsPerSecond: 1, burst: 86400, key: "header:x-api-key"}
                    redirect: {path: /elsewhere}
                  - name: strict
                    match: {path: {prefix: /strict}}
                    rateLimit: {requestsPerSecond: 1, burst: 1, key: "header:x-api-key"}
                    redirect: {path: /elsewhere}
                  - name: mirrored
                    match: {path: {prefix: /mirrored}}
                    mirror: {url: "%2$s", percent: 100}
                    backends: [{url: "%1$s"}]
                """.formatted(upstream.url(), shadow.url());
        gateway = GatewayProcess.start(Map.of("isthmus.rate-limit.max-keys", "100000", "isthmus.server.read-timeout", "2s"), routes,
                List.of("-Xmx192m", "-XX:+ExitOnOutOfMemoryError"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
        shadow.close();
    }

    @Test
    void tenThousandRandomMethodsKeepTheMeterCountBounded() throws Exception {
        Random random = new Random(16);
        int sent = pipelined(10_000, 8, i -> {
            StringBuilder m = new StringBuilder("M");
            for (int k = 0; k < 10; k++) {
                m.append((char) ('A' + random.nextInt(26)));
            }
            return m + " /any/x HTTP/1.1\r\nHost: a\r\n\r\n";
        });
        assertThat(sent).isEqualTo(10_000);
        String prometheus = admin("/actuator/prometheus");
        Set<String> methods = new TreeSet<>();
        Matcher m = Pattern.compile("spring_cloud_gateway_requests_seconds_count\\{[^}]*httpMethod=\"([^\"]+)\"").matcher(prometheus);
        while (m.find()) {
            methods.add(m.group(1));
        }
        assertThat(methods).as("method tags").contains("_OTHER").isSubsetOf("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
                "TRACE", "PATCH", "_OTHER");
        long series = prometheus.lines().filter(l -> l.startsWith("spring_cloud_gateway_requests_seconds")).count();
        assertThat(series).as("series of spring.cloud.gateway.requests after 10,000 methods").isLessThan(100);
    }

    @Test
    void headerKeyedLimitsHoldAHundredThousandLargeKeysInABoundedHeapAndStayLimitedPastTheBound() throws Exception {
        // 100,000 distinct 7 KB keys (the total header limit is 8 KB): 700 MB if kept as sent
        String pad = "k".repeat(7000);
        int sent = pipelined(100_000, 8, i -> "GET /by-key HTTP/1.1\r\nHost: a\r\nx-api-key: " + pad + i + "\r\n\r\n");
        assertThat(sent).isEqualTo(100_000);
        assertThat(gateway.process().isAlive()).as("survived with a 192 MB heap:\n%s", gateway.logTail()).isTrue();

        // the table is full of active buckets: new keys on another route share its overflow bucket
        assertThat(status("/strict", "new-key-1")).as("the overflow bucket's one token").isEqualTo(302);
        assertThat(status("/strict", "new-key-2")).as("past the bound: limited together, never let through").isEqualTo(429);
        assertThat(status("/strict", "new-key-3")).isEqualTo(429);
        double heapUsed = admin("/actuator/prometheus").lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        System.out.printf("BoundedStateIT: heap in use after 100,000 7 KB keys: %.0f MB (of 192)%n", heapUsed / 1e6);
        assertThat(heapUsed).as("heap in use, bytes").isPositive().isLessThan(192e6);
    }

    @Test
    void abortedMirroredUploadsReturnTheirPermits() throws Exception {
        for (int i = 0; i < 300; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5000);
                s.getOutputStream().write(("POST /mirrored/abort HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nonly-part-of-it")
                        .getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            } // closed mid-body
        }
        shadow.reset();
        // 32 permits by default: had the aborted uploads kept theirs, nothing would be mirrored now
        boolean mirrored = Await.until(Duration.ofSeconds(20), () -> {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/mirrored/ok"))
                        .POST(HttpRequest.BodyPublishers.ofString("whole")).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && shadow.received().stream().anyMatch(x -> x.uri().equals("/mirrored/ok") && x.body().equals("whole"));
            }
            catch (Exception e) {
                return false;
            }
        });
        assertThat(mirrored).as("mirroring still works after 300 aborted uploads").isTrue();
    }

    private static int status(String path, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).header("x-api-key", key).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String admin(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * Sends {@code total} requests over {@code connections} keep-alive connections, 50 pipelined per
     * write, and reads every answer; returns how many were answered.
     */
    private static int pipelined(int total, int connections, java.util.function.IntFunction<String> request) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        try {
            List<Future<Integer>> results = new java.util.ArrayList<>();
            int per = total / connections;
            for (int c = 0; c < connections; c++) {
                int first = c * per;
                results.add(pool.submit(() -> {
                    int answered = 0;
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5000);
                        s.setSoTimeout(30_000);
                        OutputStream out = s.getOutputStream();
                        InputStream in = new java.io.BufferedInputStream(s.getInputStream());
                        for (int i = first; i < first + per; i += 50) {
                            StringBuilder batch = new StringBuilder();
                            int n = Math.min(50, first + per - i);
                            for (int k = 0; k < n; k++) {
                                batch.append(request.apply(i + k));
                            }
                            out.write(batch.toString().getBytes(StandardCharsets.ISO_8859_1));
                            out.flush();
                            for (int k = 0; k < n; k++) {
                                String response = RawHttp.readResponse(in);
                                if (response.startsWith("HTTP/1.1 ")) {
                                    answered++;
                                }
                            }
                        }
                    }
                    return answered;
                }));
            }
            int answered = 0;
            for (Future<Integer> f : results) {
                answered += f.get();
            }
            return answered;
        }
        finally {
            pool.shutdownNow();
        }
    }
}
