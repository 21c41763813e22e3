package dev.isthmus.runtime;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.EchoServer.Reply;
import dev.isthmus.testsupport.GatewayApp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The routing core end to end: a real gateway on real ports, routes from its routes file, real
 * upstream servers that echo what they receive. Each test writes the routes it needs.
 */
class RoutingIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static EchoServer a;
    static EchoServer b;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        a = EchoServer.start("a");
        b = EchoServer.start("b");
        gateway = GatewayApp.start(null);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        a.close();
        b.close();
    }

    @BeforeEach
    void reset() {
        a.reset();
        b.reset();
    }

    static void routes(String yaml) {
        gateway.writeRoutes(yaml.replace("$A", a.url()).replace("$B", b.url()));
    }

    static JsonNode body(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        }
        catch (Exception e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
        }
    }

    static String server(HttpResponse<String> r) {
        return r.statusCode() == 200 ? body(r).get("server").asText() : "status " + r.statusCode();
    }

    static HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder req = gateway.request(path);
        for (int i = 0; i < headers.length; i += 2) {
            req.header(headers[i], headers[i + 1]);
        }
        return gateway.send(req.build());
    }

    static RouteStatus status(String routeId) {
        return gateway.bean(RouteTableHolder.class).get().compileResult().statuses().stream()
                .filter(s -> routeId.equals(s.routeId())).findFirst().orElseThrow(() -> new AssertionError("no status for " + routeId));
    }

    @Nested
    class Matching {

        @Test
        void prefixMatchesWholeSegmentsOnly() {
            routes("""
                    routes:
                      - name: quote
                        match: {path: {prefix: /quote/}}
                        backends: [{url: "$A"}]
                    """);
            assertThat(server(get("/quote/x"))).isEqualTo("a");
            assertThat(server(get("/quote"))).isEqualTo("a");
            assertThat(server(get("/quote/"))).isEqualTo("a");
            assertThat(get("/quotes").statusCode()).isEqualTo(404);
            assertThat(get("/other").statusCode()).isEqualTo(404);
        }

        @Test
        void exactAndRegexPaths() {
            routes("""
                    routes:
                      - name: exact
                        match: {path: {exact: /health}}
                        backends: [{url: "$A"}]
                      - name: regex
                        match: {path: {regex: "^/v[0-9]+/items/[0-9]+$"}}
                        backends: [{url: "$B"}]
                    """);
            assertThat(server(get("/health"))).isEqualTo("a");
            assertThat(get("/health/x").statusCode()).isEqualTo(404);
            assertThat(server(get("/v2/items/42"))).isEqualTo("b");
            assertThat(get("/v2/items/x").statusCode()).isEqualTo(404);
        }

        @Test
        void methodsHeadersAndQueryParameters() {
            routes("""
                    routes:
                      - name: canary
                        match:
                          path: {prefix: /api}
                          methods: [GET]
                          headers:
                            - {name: X-Canary, value: "true"}
                            - {name: x-user, regex: "^a.*"}
                            - {name: x-debug, present: true}
                          queryParams: [{name: version, value: "2"}]
                        backends: [{url: "$B"}]
                      - name: stable
                        match: {path: {prefix: /api}}
                        backends: [{url: "$A"}]
                    """);
            assertThat(server(get("/api/x?version=2", "x-canary", "true", "X-User", "alice", "X-Debug", "1"))).isEqualTo("b");
            assertThat(server(get("/api/x?version=1", "x-canary", "true", "X-User", "alice", "X-Debug", "1"))).isEqualTo("a");
            assertThat(server(get("/api/x?version=2", "x-canary", "true", "X-User", "bob", "X-Debug", "1"))).isEqualTo("a");
            assertThat(server(get("/api/x?version=2", "x-canary", "true", "X-User", "alice"))).isEqualTo("a");
            HttpResponse<String> post = gateway.send(gateway.request("/api/x?version=2").header("x-canary", "true")
                    .header("X-User", "alice").header("X-Debug", "1").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
            assertThat(server(post)).isEqualTo("a");
        }

        @Test
        void exactHostsWinOverWildcardsWhichWinOverAnyHost() {
            routes("""
                    routes:
                      - name: exact-host
                        hosts: [api.example.com]
                        match: {path: {prefix: /}}
                        backends: [{url: "$A"}]
                      - name: wildcard
                        hosts: ["*.example.org"]
                        match: {path: {prefix: /}}
                        backends: [{url: "$B"}]
                      - name: any
                        match: {path: {prefix: /only-any}}
                        backends: [{url: "$B"}]
                    """);
            assertThat(server(get("/x", "Host", "api.example.com"))).isEqualTo("a");
            assertThat(server(get("/x", "Host", "API.Example.com:8080"))).isEqualTo("a");
            assertThat(server(get("/x", "Host", "a.example.org"))).isEqualTo("b");
            assertThat(server(get("/x", "Host", "a.b.example.org"))).isEqualTo("b");
            assertThat(get("/x", "Host", "example.org").statusCode()).isEqualTo(404);
            assertThat(get("/x", "Host", "other.com").statusCode()).isEqualTo(404);
            // nothing in the host's bucket matches: falls through to routes for any host
            assertThat(server(get("/only-any", "Host", "other.com"))).isEqualTo("b");
        }
    }

    @Nested
    class Precedence {

        @Test
        void higherPrecedenceWinsThenMoreSpecificMatch() {
            routes("""
                    routes:
                      - name: root
                        match: {path: {prefix: /}}
                        backends: [{url: "$A"}]
                      - name: longer
                        match: {path: {prefix: /a/b}}
                        backends: [{url: "$B"}]
                      - name: exact
                        match: {path: {exact: /a/b/c}}
                        backends: [{url: "$A"}]
                      - name: boosted
                        precedence: 10
                        match: {path: {prefix: /p}}
                        backends: [{url: "$A"}]
                      - name: deeper
                        match: {path: {prefix: /p/q}}
                        backends: [{url: "$B"}]
                    """);
            assertThat(server(get("/a/b/x"))).isEqualTo("b");
            assertThat(server(get("/a/b/c"))).isEqualTo("a");
            assertThat(server(get("/a/x"))).isEqualTo("a");
            assertThat(server(get("/p/q/r"))).isEqualTo("a");
        }

        @Test
        void identicalMatchesConflictAndTheLoserIsReported() {
            routes("""
                    routes:
                      - name: first
                        match: {path: {prefix: /same}}
                        backends: [{url: "$A"}]
                    """);
            routes("""
                    routes:
                      - name: first
                        match: {path: {prefix: /same}}
                        backends: [{url: "$A"}]
                      - name: second
                        match: {path: {prefix: /same/}}
                        backends: [{url: "$B"}]
                    """);
            assertThat(server(get("/same/x"))).isEqualTo("a");
            RouteStatus loser = status("file/second");
            assertThat(loser.accepted()).isFalse();
            assertThat(loser.reason()).hasToString("Conflicted");
            assertThat(loser.message()).contains("file/first");
            assertThat(status("file/first").accepted()).isTrue();
        }
    }

    @Nested
    class Rewrites {

        @Test
        void prefixRewrite() {
            routes("""
                    routes:
                      - name: quote
                        match: {path: {prefix: /quote/}}
                        rewrite: {prefix: /v2/}
                        backends: [{url: "$A"}]
                      - name: strip
                        match: {path: {prefix: /strip}}
                        rewrite: {prefix: /}
                        backends: [{url: "$A"}]
                    """);
            get("/quote/a/b?x=1");
            assertThat(a.last().uri()).isEqualTo("/v2/a/b?x=1");
            get("/quote");
            assertThat(a.last().uri()).isEqualTo("/v2/");
            get("/strip/c");
            assertThat(a.last().uri()).isEqualTo("/c");
            get("/strip");
            assertThat(a.last().uri()).isEqualTo("/");
        }

        @Test
        void regexAndFixedPathRewrites() {
            routes("""
                    routes:
                      - name: regex
                        match: {path: {prefix: /r}}
                        rewrite: {regex: {pattern: "^/r/(.*)$", replacement: "/v2/$1"}}
                        backends: [{url: "$A"}]
                      - name: named
                        match: {path: {prefix: /n}}
                        rewrite: {regex: {pattern: "^/n/(?P<id>[0-9]+)$", replacement: "/items/${id}"}}
                        backends: [{url: "$A"}]
                      - name: fixed
                        match: {path: {prefix: /f}}
                        rewrite: {path: /fixed}
                        backends: [{url: "$A"}]
                    """);
            get("/r/a/b");
            assertThat(a.last().uri()).isEqualTo("/v2/a/b");
            get("/n/42");
            assertThat(a.last().uri()).isEqualTo("/items/42");
            get("/f/anything?q=1");
            assertThat(a.last().uri()).isEqualTo("/fixed?q=1");
        }

        @Test
        void hostHeaderPreservedRewrittenOrAuto() {
            routes("""
                    routes:
                      - name: preserve
                        match: {path: {prefix: /preserve}}
                        backends: [{url: "$A"}]
                      - name: rewrite
                        match: {path: {prefix: /rewrite}}
                        hostRewrite: quote.internal
                        backends: [{url: "$A"}]
                      - name: auto
                        match: {path: {prefix: /auto}}
                        autoHostRewrite: true
                        backends: [{url: "$A"}]
                    """);
            get("/preserve", "Host", "shop.example.com");
            assertThat(a.last().header("Host")).isEqualTo("shop.example.com");
            get("/rewrite", "Host", "shop.example.com");
            assertThat(a.last().header("Host")).isEqualTo("quote.internal");
            get("/auto", "Host", "shop.example.com");
            assertThat(a.last().header("Host")).isEqualTo("127.0.0.1:" + a.port());
        }
    }

    @Nested
    class Redirects {

        @Test
        void redirectsKeepWhatTheyDoNotChange() {
            routes("""
                    routes:
                      - name: https
                        match: {path: {prefix: /secure}}
                        redirect: {scheme: https}
                      - name: moved
                        match: {path: {prefix: /old}}
                        redirect: {host: example.com, path: /new, code: 301}
                      - name: prefix
                        match: {path: {prefix: /docs/v1}}
                        redirect: {prefix: /docs/v2, code: 308}
                    """);
            HttpResponse<String> https = get("/secure/a?x=1", "Host", "shop.example.com:8080");
            assertThat(https.statusCode()).isEqualTo(302);
            assertThat(https.headers().firstValue("Location")).hasValue("https://shop.example.com/secure/a?x=1");
            HttpResponse<String> moved = get("/old/page", "Host", "shop.example.com");
            assertThat(moved.statusCode()).isEqualTo(301);
            assertThat(moved.headers().firstValue("Location")).hasValue("http://example.com/new");
            HttpResponse<String> prefix = get("/docs/v1/intro", "Host", "d.example.com");
            assertThat(prefix.statusCode()).isEqualTo(308);
            assertThat(prefix.headers().firstValue("Location")).hasValue("http://d.example.com/docs/v2/intro");
            assertThat(a.count() + b.count()).isZero();
        }
    }

    @Nested
    class Headers {

        @Test
        void requestAndResponseHeaderOperations() {
            routes("""
                    routes:
                      - name: headers
                        match: {path: {prefix: /h}}
                        requestHeaders: {set: {X-Gateway: isthmus}, add: {X-Added: one}, remove: [Cookie]}
                        responseHeaders: {set: {X-Frame-Options: DENY}, add: {X-Resp: two}, remove: [Server]}
                        backends: [{url: "$A"}]
                    """);
            HttpResponse<String> r = get("/h", "Cookie", "secret=1", "X-Gateway", "spoofed");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(a.last().header("X-Gateway")).isEqualTo("isthmus");
            assertThat(a.last().header("X-Added")).isEqualTo("one");
            assertThat(a.last().header("Cookie")).isNull();
            assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
            assertThat(r.headers().firstValue("X-Resp")).hasValue("two");
            assertThat(r.headers().firstValue("Server")).isEmpty();
            assertThat(r.headers().firstValue("X-Upstream")).hasValue("a");
        }
    }

    @Nested
    class Backends {

        @Test
        void weightsSplitTrafficInTheirProportion() {
            routes("""
                    routes:
                      - name: split
                        match: {path: {prefix: /split}}
                        backends: [{url: "$A", weight: 90}, {url: "$B", weight: 10}]
                    """);
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < 500; i++) {
                counts.merge(server(get("/split")), 1, Integer::sum);
            }
            assertThat(counts.get("a")).isBetween(440, 460);
            assertThat(counts.get("b")).isBetween(40, 60);
        }

        @Test
        void responseTimeoutAnswers504() {
            a.behave(r -> Reply.delayed(Duration.ofSeconds(3)));
            routes("""
                    routes:
                      - name: slow
                        match: {path: {prefix: /slow}}
                        timeouts: {response: 300ms}
                        backends: [{url: "$A"}]
                    """);
            long start = System.nanoTime();
            HttpResponse<String> r = get("/slow");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(millis).isBetween(250L, 2500L);
        }

        @Test
        void idleTimeoutAnswers504WhenTheUpstreamGoesSilent() {
            a.behave(r -> Reply.delayed(Duration.ofSeconds(3)));
            routes("""
                    routes:
                      - name: stalled
                        match: {path: {prefix: /stalled}}
                        timeouts: {idle: 300ms}
                        backends: [{url: "$A"}]
                    """);
            long start = System.nanoTime();
            HttpResponse<String> r = get("/stalled");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(millis).isBetween(250L, 2500L);
        }

        @Test
        void retriesAFailingUpstream() {
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            a.behave(r -> calls.incrementAndGet() <= 2 ? Reply.status(503) : Reply.ok());
            routes("""
                    routes:
                      - name: flaky
                        match: {path: {prefix: /flaky}}
                        retries: {attempts: 2, on: [gateway-error], backoff: 10ms}
                        backends: [{url: "$A"}]
                    """);
            HttpResponse<String> r = get("/flaky");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(a.count()).isEqualTo(3);
        }

        @Test
        void unreachableBackendAnswers502Or503() {
            routes("""
                    routes:
                      - name: dead
                        match: {path: {prefix: /dead}}
                        backends: [{url: "http://127.0.0.1:1"}]
                    """);
            assertThat(get("/dead").statusCode()).isIn(502, 503);
        }
    }

    @Nested
    class Cors {

        @Test
        void preflightIsAnsweredByTheGateway() {
            routes("""
                    routes:
                      - name: cors
                        match: {path: {prefix: /c}, methods: [GET, PUT]}
                        cors: {allowOrigins: ["https://app.example.com"], allowMethods: [GET, PUT], allowHeaders: [X-Token], maxAge: 1h}
                        backends: [{url: "$A"}]
                    """);
            HttpResponse<String> preflight = gateway.send(gateway.request("/c/x").method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "PUT")
                    .header("Access-Control-Request-Headers", "X-Token").build());
            assertThat(preflight.statusCode()).isEqualTo(200);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example.com");
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("PUT");
            assertThat(preflight.headers().firstValue("Access-Control-Max-Age")).hasValue("3600");
            assertThat(a.count()).isZero();

            HttpResponse<String> denied = gateway.send(gateway.request("/c/x").method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://evil.example.com").header("Access-Control-Request-Method", "PUT").build());
            assertThat(denied.statusCode()).isEqualTo(403);

            HttpResponse<String> actual = get("/c/x", "Origin", "https://app.example.com");
            assertThat(actual.statusCode()).isEqualTo(200);
            assertThat(actual.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example.com");
        }
    }

    @Nested
    class WebSockets {

        @Test
        void upgradesOnlyWhereAllowed() throws Exception {
            try (dev.isthmus.testsupport.WebSocketEchoServer ws = dev.isthmus.testsupport.WebSocketEchoServer.start()) {
                routes("""
                        routes:
                          - name: ws
                            match: {path: {prefix: /ws}}
                            websocket: true
                            backends: [{url: "%s"}]
                          - name: plain
                            match: {path: {prefix: /plain}}
                            rewrite: {path: /ws}
                            backends: [{url: "%s"}]
                        """.formatted(ws.url(), ws.url()));
                java.util.concurrent.CompletableFuture<String> reply = new java.util.concurrent.CompletableFuture<>();
                java.net.http.WebSocket socket = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                        .buildAsync(java.net.URI.create(gateway.url().replace("http", "ws") + "/ws"), new java.net.http.WebSocket.Listener() {
                            @Override
                            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket webSocket, CharSequence data, boolean last) {
                                reply.complete(data.toString());
                                return null;
                            }
                        }).get(10, java.util.concurrent.TimeUnit.SECONDS);
                socket.sendText("hello", true);
                assertThat(reply.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("echo:hello");
                socket.abort();

                java.util.concurrent.CompletableFuture<java.net.http.WebSocket> refused = java.net.http.HttpClient.newHttpClient()
                        .newWebSocketBuilder().buildAsync(java.net.URI.create(gateway.url().replace("http", "ws") + "/plain"),
                                new java.net.http.WebSocket.Listener() { });
                assertThat(refused).failsWithin(Duration.ofSeconds(10));
            }
        }
    }

    @Nested
    class Mirror {

        @Test
        void mirrorsACopyToTheShadowAndAnswersFromThePrimary() {
            routes("""
                    routes:
                      - name: mirrored
                        match: {path: {prefix: /m}}
                        mirror: {url: "$B", percent: 100}
                        backends: [{url: "$A"}]
                    """);
            HttpResponse<String> r = gateway.send(gateway.request("/m/x?y=1").header("Host", "shop.example.com")
                    .POST(HttpRequest.BodyPublishers.ofString("payload")).build());
            assertThat(server(r)).isEqualTo("a");
            assertThat(a.last().body()).isEqualTo("payload");
            assertThat(dev.isthmus.testsupport.Await.until(Duration.ofSeconds(5), () -> b.count() == 1)).isTrue();
            assertThat(b.last().uri()).isEqualTo("/m/x?y=1");
            assertThat(b.last().body()).isEqualTo("payload");
            assertThat(b.last().header("Host")).isEqualTo("shop.example.com-shadow");
        }
    }

    @Nested
    class BadInput {

        @Test
        void anInvalidRouteIsRejectedAloneAndABrokenFileKeepsTheLastGoodRoutes() {
            routes("""
                    routes:
                      - name: good
                        match: {path: {prefix: /good}}
                        backends: [{url: "$A"}]
                      - name: bad
                        match: {path: {prefix: /bad}}
                        timeouts: {response: forever}
                        backends: [{service: "k8s:Not_Valid/x"}]
                    """);
            assertThat(server(get("/good"))).isEqualTo("a");
            assertThat(get("/bad").statusCode()).isEqualTo(404);
            RouteStatus bad = status("file/bad");
            assertThat(bad.accepted()).isFalse();
            assertThat(bad.message()).contains("timeouts.response").contains("backends[0].service");

            long version = gateway.bean(RouteTableHolder.class).get().version();
            try {
                java.nio.file.Files.writeString(gateway.routesFile(), "routes: [ {name: x, match: ");
            }
            catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            // the broken file is reported and changes nothing
            assertThat(dev.isthmus.testsupport.Await.until(Duration.ofSeconds(5),
                    () -> gateway.bean(dev.isthmus.source.file.FileRouteSource.class).status().lastError() != null
                            && gateway.bean(dev.isthmus.source.file.FileRouteSource.class).status().lastError().contains("invalid YAML"))).isTrue();
            assertThat(gateway.bean(RouteTableHolder.class).get().version()).isEqualTo(version);
            assertThat(server(get("/good"))).isEqualTo("a");
        }

        @Test
        void pathsAreNormalizedBeforeMatchingAndTraversalCannotEscapeAPrefix() {
            routes("""
                    routes:
                      - name: public
                        match: {path: {prefix: /public}}
                        backends: [{url: "$A"}]
                      - name: admin
                        match: {path: {prefix: /admin}}
                        backends: [{url: "$B"}]
                    """);
            assertThat(server(get("/public/../admin/x"))).isEqualTo("b");
            assertThat(b.last().uri()).isEqualTo("/admin/x");
            assertThat(server(get("/public/%2e%2e/admin"))).isEqualTo("b");
            assertThat(server(get("//public///a/./b"))).isEqualTo("a");
            assertThat(a.last().uri()).isEqualTo("/public/a/b");
            assertThat(get("/public/..%2fadmin").statusCode()).isEqualTo(400);
            assertThat(get("/public/..;/admin").statusCode()).isEqualTo(400);
            assertThat(get("/../../etc/passwd").statusCode()).isEqualTo(400);
        }

        @Test
        void anEmptiedFileIsASaveInProgressAndKeepsTheRoutes() throws Exception {
            routes("""
                    routes:
                      - name: kept
                        match: {path: {prefix: /kept}}
                        backends: [{url: "$A"}]
                    """);
            long version = gateway.bean(RouteTableHolder.class).get().version();
            java.nio.file.Files.writeString(gateway.routesFile(), "");
            assertThat(dev.isthmus.testsupport.Await.until(Duration.ofSeconds(5), () -> String.valueOf(
                    gateway.bean(dev.isthmus.source.file.FileRouteSource.class).status().detail()).contains("is empty"))).isTrue();
            assertThat(gateway.bean(RouteTableHolder.class).get().version()).isEqualTo(version);
            assertThat(server(get("/kept"))).isEqualTo("a");
            routes("routes: []\n");
            assertThat(get("/kept").statusCode()).as("an explicit empty list does remove them").isEqualTo(404);
        }

        @Test
        void noRouteMeans404() {
            routes("routes: []\n");
            assertThat(get("/anything").statusCode()).isEqualTo(404);
        }
    }
}
