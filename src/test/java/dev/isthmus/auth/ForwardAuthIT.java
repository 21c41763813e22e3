package dev.isthmus.auth;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.RealInfra;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * auth.forward against a real authorization service on loopback (a Reactor Netty server the test
 * runs, answering per credential): what it is sent and what it is not, its 2xx, denials and
 * redirects, failures (slow, 5xx, down) in both failure modes, the per-credential cache, and the
 * reuse of pooled connections.
 */
class ForwardAuthIT {

    static EchoServer upstream;
    static EchoServer authz;
    static EchoServer cachedAuthz;
    static int deadPort;
    static GatewayApp gateway;

    static EchoServer.Reply decide(EchoServer.Received r) {
        String auth = String.valueOf(r.header("Authorization"));
        return switch (auth) {
            case "Bearer good" -> new EchoServer.Reply(200, Duration.ZERO, Map.of("X-User-Id", "42", "X-Internal", "not for the backend"));
            case "Bearer other" -> new EchoServer.Reply(204, Duration.ZERO, Map.of("X-User-Id", "7"));
            case "Bearer redirect" -> new EchoServer.Reply(302, Duration.ZERO, Map.of("Location", "https://login.example.test/?next=x"));
            case "Bearer forbidden" -> new EchoServer.Reply(403, Duration.ZERO, Map.of());
            case "Bearer slow" -> new EchoServer.Reply(200, Duration.ofSeconds(3), Map.of("X-User-Id", "1"));
            case "Bearer broken" -> new EchoServer.Reply(500, Duration.ZERO, Map.of());
            default -> new EchoServer.Reply(401, Duration.ZERO, Map.of("WWW-Authenticate", "Bearer realm=\"authz\"", "Set-Cookie", "seen=1",
                    "X-Internal", "not for the client"));
        };
    }

    @BeforeAll
    static void start() {
        upstream = EchoServer.start("app");
        authz = EchoServer.start("authz");
        cachedAuthz = EchoServer.start("authz-cached");
        deadPort = RealInfra.freePort();
        gateway = GatewayApp.start("""
                routes:
                  - name: checked
                    match: {path: {prefix: /checked}}
                    backends: [{url: "%1$s"}]
                    auth:
                      forward:
                        url: "%2$s/check?app=orders"
                        requestHeaders: [Authorization, Cookie, X-Tenant]
                        responseHeadersToUpstream: [X-User-Id]
                        timeout: 300ms
                  - name: open-on-failure
                    match: {path: {prefix: /open}}
                    backends: [{url: "%1$s"}]
                    auth: {forward: {url: "%2$s/check", responseHeadersToUpstream: [X-User-Id], timeout: 300ms, failureMode: allow}}
                  - name: cached
                    match: {path: {prefix: /cached}}
                    backends: [{url: "%1$s"}]
                    auth: {forward: {url: "%3$s/check", responseHeadersToUpstream: [X-User-Id], cacheTtl: 1s}}
                  - name: down
                    match: {path: {prefix: /down}}
                    backends: [{url: "%1$s"}]
                    auth: {forward: {url: "http://127.0.0.1:%4$d/check", timeout: 1s, statusOnError: 502}}
                  - name: down-open
                    match: {path: {prefix: /down-open}}
                    precedence: 1
                    backends: [{url: "%1$s"}]
                    auth: {forward: {url: "http://127.0.0.1:%4$d/check", timeout: 1s, failureMode: allow}}
                """.formatted(upstream.url(), authz.url(), cachedAuthz.url(), deadPort));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
        authz.close();
        cachedAuthz.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
        authz.reset();
        cachedAuthz.reset();
        authz.behave(ForwardAuthIT::decide);
        cachedAuthz.behave(ForwardAuthIT::decide);
    }

    static HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = gateway.request(path).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gateway.send(b.build());
    }

    @Test
    void anAdmittedRequestCarriesTheServicesHeadersAndTheServiceSeesOnlyWhatItIsSent() {
        HttpResponse<String> r = gateway.send(gateway.request("/checked/items?q=1").header("Authorization", "Bearer good")
                .header("Cookie", "sid=abc").header("X-Tenant", "acme").header("X-User-Id", "666").header("X-Private", "not for authz")
                .POST(HttpRequest.BodyPublishers.ofString("secret body")).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        EchoServer.Received app = upstream.last();
        assertThat(app.header("X-User-Id")).as("from the service, not the client's 666").isEqualTo("42");
        assertThat(app.header("X-Internal")).as("only listed headers go upstream").isNull();
        assertThat(app.body()).isEqualTo("secret body");
        assertThat(app.header("Authorization")).as("the backend still gets the original request").isEqualTo("Bearer good");

        EchoServer.Received check = authz.last();
        assertThat(check.method()).isEqualTo("GET");
        assertThat(check.uri()).isEqualTo("/check?app=orders");
        assertThat(check.body()).as("the body is never sent to the service").isEmpty();
        assertThat(check.header("Authorization")).isEqualTo("Bearer good");
        assertThat(check.header("Cookie")).isEqualTo("sid=abc");
        assertThat(check.header("X-Tenant")).isEqualTo("acme");
        assertThat(check.header("X-Private")).as("unlisted headers stay with the request").isNull();
        assertThat(check.header("X-User-Id")).isNull();
        assertThat(check.header("X-Forwarded-Method")).isEqualTo("POST");
        assertThat(check.header("X-Forwarded-Uri")).isEqualTo("/checked/items?q=1");
        assertThat(check.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(check.header("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + gateway.port());
        assertThat(check.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    void denialsGoToTheClientAsTheServiceGaveThem() {
        HttpResponse<String> r = get("/checked/x", "Authorization", "Bearer bad");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"authz\"");
        assertThat(r.headers().firstValue("Set-Cookie")).hasValue("seen=1");
        assertThat(r.headers().firstValue("X-Internal")).as("unlisted headers of a denial stay behind").isEmpty();
        assertThat(r.body()).as("the service's own body").contains("\"server\":\"authz\"");

        HttpResponse<String> redirect = get("/checked/x", "Authorization", "Bearer redirect");
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("Location")).hasValue("https://login.example.test/?next=x");
        assertThat(get("/checked/x", "Authorization", "Bearer forbidden").statusCode()).isEqualTo(403);
        assertThat(upstream.count()).isZero();
    }

    @Test
    void aSlowOrFailingServiceDeniesOrAllowsAsConfigured() {
        long start = System.nanoTime();
        HttpResponse<String> slow = get("/checked/x", "Authorization", "Bearer slow");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(slow.statusCode()).as(slow.body()).isEqualTo(503);
        assertThat(millis).as("answered at the 300 ms timeout, not the service's 3 s").isLessThan(2000);
        assertThat(get("/checked/x", "Authorization", "Bearer broken").statusCode()).as("a 5xx is a failure").isEqualTo(503);
        assertThat(upstream.count()).isZero();

        HttpResponse<String> open = get("/open/x", "Authorization", "Bearer slow", "X-User-Id", "666");
        assertThat(open.statusCode()).as("failureMode allow").isEqualTo(200);
        assertThat(upstream.last().header("X-User-Id")).as("the client's copy is removed on failure too").isNull();
        assertThat(get("/open/x", "Authorization", "Bearer bad").statusCode()).as("allow is about failures, not denials").isEqualTo(401);
    }

    @Test
    void aServiceThatIsDownDeniesOrAllowsAsConfigured() {
        HttpResponse<String> down = get("/down/x", "Authorization", "Bearer good");
        assertThat(down.statusCode()).as(down.body()).isEqualTo(502);
        assertThat(down.body()).contains("authorization service is unavailable");
        assertThat(get("/down-open/x", "Authorization", "Bearer good").statusCode()).isEqualTo(200);
        assertThat(upstream.count()).isEqualTo(1);
    }

    @Test
    void answersAreCachedPerCredentialForTheTtl() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(get("/cached/" + i, "Authorization", "Bearer good").statusCode()).isEqualTo(200);
            assertThat(upstream.last().header("X-User-Id")).isEqualTo("42");
        }
        assertThat(cachedAuthz.count()).as("five requests, one check").isEqualTo(1);
        assertThat(get("/cached/x", "Authorization", "Bearer other").statusCode()).isEqualTo(200);
        assertThat(upstream.last().header("X-User-Id")).as("another credential, its own answer").isEqualTo("7");
        assertThat(get("/cached/x", "Authorization", "Bearer bad").statusCode()).isEqualTo(401);
        assertThat(get("/cached/x", "Authorization", "Bearer bad").statusCode()).as("denials are cached too").isEqualTo(401);
        assertThat(cachedAuthz.count()).isEqualTo(3);
        Thread.sleep(1200);
        assertThat(get("/cached/x", "Authorization", "Bearer good").statusCode()).isEqualTo(200);
        assertThat(cachedAuthz.count()).as("checked again after the 1 s TTL").isEqualTo(4);
        cachedAuthz.behave(r -> EchoServer.Reply.status(500));
        Thread.sleep(1200);
        assertThat(get("/cached/x", "Authorization", "Bearer good").statusCode()).as("failures are never cached").isEqualTo(503);
        cachedAuthz.behave(ForwardAuthIT::decide);
        assertThat(get("/cached/x", "Authorization", "Bearer good").statusCode()).isEqualTo(200);
    }

    @Test
    void checksReuseThePooledConnections() {
        int before = authz.connectionsOpened();
        int upstreamBefore = upstream.connectionsOpened();
        for (int i = 0; i < 30; i++) {
            assertThat(get("/checked/" + i, "Authorization", "Bearer good").statusCode()).isEqualTo(200);
        }
        assertThat(authz.count()).isEqualTo(30);
        assertThat(authz.connectionsOpened() - before).as("30 sequential checks over the gateway's connection pool (upstream opened %d)",
                upstream.connectionsOpened() - upstreamBefore).isLessThanOrEqualTo(2);
    }
}
