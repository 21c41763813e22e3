package dev.isthmus.admin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;
import dev.isthmus.testsupport.RawHttp;
import dev.isthmus.testsupport.RealInfra;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code isthmus.requests} of the real jar counts every request the gateway port answers, with the
 * reason it was answered so: by an upstream, a redirect, no route, request validation, the HTTP
 * codec and the header deadline (which no web filter sees), backend selection failures; the
 * upstream tag on {@code spring.cloud.gateway.requests}; counters leave with their route.
 */
class RequestMetricsIT {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void countsEveryAnswerWithItsRouteReasonAndStatusClass() throws Exception {
        int closed = RealInfra.freePort();
        try (EchoServer upstream = EchoServer.start("metrics");
                GatewayProcess gateway = GatewayProcess.start(Map.of("isthmus.server.request-header-timeout", "1s"), """
                        routes:
                          - name: echo
                            match: {path: {prefix: /echo/}}
                            backends: [{url: "%s"}]
                          - name: dead
                            match: {path: {prefix: /dead/}}
                            backends: [{url: "http://127.0.0.1:%d"}]
                          - name: moved
                            match: {path: {exact: /old}}
                            redirect: {path: /new, code: 301}
                        """.formatted(upstream.url(), closed))) {
            int port = gateway.port();
            assertThat(get(gateway, "/echo/a")).isEqualTo(200);
            assertThat(get(gateway, "/echo/b")).isEqualTo(200);
            assertThat(get(gateway, "/dead/x")).isEqualTo(503);
            assertThat(get(gateway, "/old")).isEqualTo(301);
            assertThat(get(gateway, "/nothing")).isEqualTo(404);
            assertThat(RawHttp.status(RawHttp.exchange(port, "GET /echo/ HTTP/1.1\r\nHost: a b\r\n\r\n", 5000))).isEqualTo(400);
            assertThat(RawHttp.status(RawHttp.exchange(port, "POST /echo/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                    5000))).isEqualTo(501);
            assertThat(RawHttp.status(RawHttp.exchange(port, "GET /echo/ HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", 5000))).isEqualTo(417);
            assertThat(RawHttp.status(RawHttp.exchange(port, "GET /echo/ HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n",
                    5000))).isEqualTo(431);
            assertThat(RawHttp.status(RawHttp.exchange(port, "GARBAGE\r\n\r\n", 5000))).isEqualTo(400);
            // headers never finished: the deadline answers 408 (counted once, not also as a malformed request)
            assertThat(RawHttp.status(RawHttp.exchange(port, "GET /echo/ HTTP/1.1\r\nHost: x\r\nX-Slow", 5000))).isEqualTo(408);

            String scrape = scrapeWhen(gateway, s -> s.contains("reason=\"header_timeout\""));
            assertThat(scrape).contains(
                    "isthmus_requests_total{code=\"2xx\",reason=\"proxied\",route=\"file/echo\"} 2.0",
                    "isthmus_requests_total{code=\"5xx\",reason=\"upstream_connect\",route=\"file/dead\"} 1.0",
                    "isthmus_requests_total{code=\"3xx\",reason=\"redirect\",route=\"file/moved\"} 1.0",
                    "isthmus_requests_total{code=\"4xx\",reason=\"no_route\",route=\"none\"} 1.0",
                    "isthmus_requests_total{code=\"4xx\",reason=\"bad_request\",route=\"none\"} 1.0",
                    "isthmus_requests_total{code=\"5xx\",reason=\"not_implemented\",route=\"none\"} 1.0",
                    "isthmus_requests_total{code=\"4xx\",reason=\"expectation_failed\",route=\"none\"} 1.0",
                    "isthmus_requests_total{code=\"4xx\",reason=\"headers_too_large\",route=\"none\"} 1.0",
                    "isthmus_requests_total{code=\"4xx\",reason=\"malformed\",route=\"none\"} 1.0",
                    "isthmus_requests_total{code=\"4xx\",reason=\"header_timeout\",route=\"none\"} 1.0",
                    // per upstream service on the per-route timer, never per instance
                    "routeId=\"file/echo\",routeUri=\"" + upstream.url() + "\",status=\"OK\",upstream=\"" + upstream.url() + "\"",
                    "upstream=\"http://127.0.0.1:" + closed + "\"",
                    "isthmus_routes{owner=\"operator\",source=\"file\",state=\"served\"} 3.0",
                    "isthmus_source_sync_age_seconds{source=\"file\"} 0.0",
                    "isthmus_upstream_bulkhead_rejections_total 0.0");

            // a route removed takes its counters with it
            Files.writeString(gateway.routesFile(), """
                    routes:
                      - name: echo
                        match: {path: {prefix: /echo/}}
                        backends: [{url: "%s"}]
                    """.formatted(upstream.url()));
            String after = scrapeWhen(gateway, s -> s.contains("isthmus_routes{owner=\"operator\",source=\"file\",state=\"served\"} 1.0"));
            assertThat(after).doesNotContain("route=\"file/dead\"", "route=\"file/moved\"")
                    .contains("isthmus_requests_total{code=\"2xx\",reason=\"proxied\",route=\"file/echo\"} 2.0");
        }
    }

    private int get(GatewayProcess gateway, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The first scrape within 10 s that passes {@code ready}, else the last one. */
    private String scrapeWhen(GatewayProcess gateway, java.util.function.Predicate<String> ready) throws Exception {
        String[] last = { "" };
        Await.until(Duration.ofSeconds(10), () -> {
            try {
                last[0] = scrape(gateway);
            }
            catch (Exception e) {
                return false;
            }
            return ready.test(last[0]);
        });
        return last[0];
    }

    private String scrape(GatewayProcess gateway) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
