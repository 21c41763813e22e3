package dev.isthmus.security;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests built to fool a proxy, sent byte for byte: path traversal and normalization bypasses,
 * request smuggling, oversize headers, slow clients, Host spoofing. A request matched by the
 * /public route must never reach an upstream path outside /public.
 */
class HostileRequestsIT {

    static EchoServer publicUpstream;
    static EchoServer adminUpstream;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        publicUpstream = EchoServer.start("public");
        adminUpstream = EchoServer.start("admin");
        gateway = GatewayApp.start("""
                routes:
                  - name: public
                    match: {path: {prefix: /public}}
                    backends: [{url: "%s"}]
                  - name: internal
                    hosts: [internal.example.com]
                    match: {path: {prefix: /}}
                    backends: [{url: "%s"}]
                """.formatted(publicUpstream.url(), adminUpstream.url()),
                Map.of("isthmus.server.read-timeout", "2s", "isthmus.server.request-header-timeout", "2s"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        publicUpstream.close();
        adminUpstream.close();
        credential = null;
    }

    @BeforeEach
    void reset() {
        publicUpstream.reset();
        adminUpstream.reset();
    }

    /** A header line every request carries (the subclass's credential), or null. */
    static String credential;

    static String send(String raw) {
        if (credential != null) {
            int eol = raw.indexOf('\n');
            raw = raw.substring(0, eol + 1) + credential + "\n" + raw.substring(eol + 1);
        }
        return RawHttp.exchange(gateway.port(), raw.replace("\n", "\r\n"), 3000);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "/public/../admin", "/public/%2e%2e/admin", "/public/%2E%2E/admin", "/public/.%2e/admin",
            "/public/%2e./admin", "/public/..%2fadmin", "/public/%2e%2e%2fadmin", "/public/..%5cadmin", "/public/..\\admin",
            "/public/..;/admin", "/public/.;/../admin", "/public//..//admin", "/public/./../admin", "/PUBLIC/../admin",
            "/public/%252e%252e/admin", "/public/%c0%ae%c0%ae/admin", "/public/%00/../admin" })
    void traversalNeverLeavesThePublicPrefix(String path) {
        String response = send("GET " + path + " HTTP/1.1\nHost: shop.example.com\nConnection: close\n\n");
        int status = RawHttp.status(response);
        for (var r : publicUpstream.received()) {
            assertThat(r.uri()).as("%s reached the public upstream as %s", path, r.uri()).startsWith("/public/");
        }
        assertThat(adminUpstream.count()).isZero();
        assertThat(status).as("%s -> %s", path, response.lines().findFirst().orElse("")).isIn(200, 400, 404);
    }

    @Test
    void conflictingContentLengthAndTransferEncodingIsRefused() {
        String response = send("""
                POST /public/x HTTP/1.1
                Host: shop.example.com
                Content-Length: 4
                Transfer-Encoding: chunked

                0

                GET /public/smuggled HTTP/1.1
                Host: shop.example.com

                """);
        assertThat(RawHttp.status(response)).isEqualTo(400);
        assertThat(publicUpstream.received()).noneMatch(r -> r.uri().contains("smuggled"));
    }

    @Test
    void duplicateContentLengthsAreRefused() {
        String response = send("POST /public/x HTTP/1.1\nHost: a\nContent-Length: 3\nContent-Length: 30\n\nabc");
        assertThat(RawHttp.status(response)).isEqualTo(400);
        assertThat(publicUpstream.count()).isZero();
    }

    /**
     * Netty replaces an obs-fold with a space, the alternative RFC 9112 §5.2 allows to a 400:
     * the fold is never forwarded, so the upstream cannot parse the header differently.
     */
    @Test
    void obsoleteLineFoldingIsNeverForwarded() {
        String response = send("GET /public/x HTTP/1.1\nHost: shop.example.com\nX-Folded: a\n b\nX-Next: c\nConnection: close\n\n");
        assertThat(RawHttp.status(response)).isEqualTo(200);
        assertThat(publicUpstream.last().header("X-Folded")).isEqualTo("a b");
        assertThat(publicUpstream.last().header("X-Next")).isEqualTo("c");
        assertThat(publicUpstream.last().headers().keySet()).noneMatch(name -> name.startsWith(" ") || name.isBlank());
    }

    @Test
    void invalidChunkSizesAreRefused() {
        String response = send("POST /public/x HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\nzz\nabc\n0\n\n");
        assertThat(RawHttp.status(response)).isIn(400, -1);
        assertThat(publicUpstream.received()).noneMatch(r -> r.body().contains("abc"));
    }

    @Test
    void oversizeHeadersAnswer431() {
        String response = send("GET /public/x HTTP/1.1\nHost: a\nX-Big: " + "a".repeat(64 * 1024) + "\nConnection: close\n\n");
        assertThat(RawHttp.status(response)).isEqualTo(431);
        assertThat(publicUpstream.count()).isZero();
    }

    @Test
    void slowClientsAreCutOffByTheHeaderTimeout() {
        long start = System.nanoTime();
        String response = RawHttp.trickle(gateway.port(), "GET /public/x HTTP/1.1\r\nHost: a\r\nX-Slow: " + "a".repeat(200) + "\r\n\r\n",
                100, 8000);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("a slowloris client is disconnected after the header timeout, not served").isLessThan(6000);
        assertThat(RawHttp.status(response)).isIn(-1, 408);
        assertThat(publicUpstream.count()).isZero();
    }

    @Test
    void hostSpoofingCannotSelectAnInternalRouteOrTheAdminPort() {
        String viaPath = send("GET /public/x HTTP/1.1\nHost: internal.example.com.evil.com\nConnection: close\n\n");
        assertThat(RawHttp.status(viaPath)).isEqualTo(200);
        assertThat(adminUpstream.count()).isZero();
        String absolute = send("GET http://internal.example.com/secret HTTP/1.1\nHost: shop.example.com\nConnection: close\n\n");
        // an absolute-form target must not select a host other than the Host header's
        assertThat(adminUpstream.count()).as("absolute-form URI: %s", absolute.lines().findFirst().orElse("")).isZero();
        String twoHosts = send("GET /x HTTP/1.1\nHost: shop.example.com\nHost: internal.example.com\nConnection: close\n\n");
        assertThat(RawHttp.status(twoHosts)).isEqualTo(400);
        assertThat(adminUpstream.count()).isZero();
    }
}
