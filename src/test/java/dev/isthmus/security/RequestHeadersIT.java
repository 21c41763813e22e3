package dev.isthmus.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;
import dev.isthmus.testsupport.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request headers built to fool a proxy, sent byte for byte to the real jar: Connection-nominated
 * headers against the route's own edits, Host headers with bad ports or none, transfer-coding
 * lists and expectations, and CORS origin patterns that backtrack or leak credentials.
 */
class RequestHeadersIT {

    static EchoServer upstream;
    static GatewayProcess gateway;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        upstream = EchoServer.start("up");
        gateway = GatewayProcess.start(Map.of(), """
                routes:
                  - name: edits
                    match: {path: {prefix: /edits}}
                    requestHeaders: {set: {X-Gateway: isthmus}, add: {X-Tenant: blue}}
                    backends: [{url: "%1$s"}]
                  - name: cors
                    match: {path: {prefix: /cors}}
                    cors: {allowOrigins: ["https://*.example.com"], allowMethods: [GET]}
                    backends: [{url: "%1$s"}]
                  - name: cors-any-https-with-credentials
                    match: {path: {prefix: /leaky}}
                    cors: {allowOrigins: ["https://*"], allowCredentials: true}
                    backends: [{url: "%1$s"}]
                  - name: cors-wildcard-with-credentials
                    match: {path: {prefix: /leaky2}}
                    cors: {allowOrigins: ["https://*.example.com"], allowCredentials: true}
                    backends: [{url: "%1$s"}]
                  - name: cors-backtracking
                    match: {path: {prefix: /slow-cors}}
                    cors: {allowOrigins: ["https://*.*.*.example.com"]}
                    backends: [{url: "%1$s"}]
                """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    static String send(String raw) {
        return RawHttp.exchange(gateway.port(), raw.replace("\n", "\r\n"), 5000);
    }

    @Test
    void aClientsConnectionHeaderCannotStripHeadersTheRouteSets() {
        String response = send("GET /edits/x HTTP/1.1\nHost: a\nConnection: keep-alive, X-Gateway, X-Tenant, X-Client-Secret\n"
                + "X-Client-Secret: hop\nX-Kept: yes\n\n");
        assertThat(RawHttp.status(response)).isEqualTo(200);
        EchoServer.Received r = upstream.last();
        assertThat(r.header("X-Gateway")).as("set by the route").isEqualTo("isthmus");
        assertThat(r.header("X-Tenant")).as("added by the route").isEqualTo("blue");
        assertThat(r.header("X-Client-Secret")).as("nominated hop-by-hop by the client").isNull();
        assertThat(r.header("X-Kept")).isEqualTo("yes");
        assertThat(r.header("Connection")).as("hop-by-hop itself").isNotEqualToIgnoringCase("X-Gateway");
    }

    @ParameterizedTest(name = "Host: {0}")
    @ValueSource(strings = { "a.example.com:@evil.com", "a.example.com:x", "a.example.com:99999", "a.example.com:0", "a.example.com:",
            "a.example.com:80:81", "evil.com@a.example.com", "a.example.com/x", "[::1", "a b" })
    void hostHeadersThatAreNotHostAndPortAreRefused(String host) {
        String response = send("GET /edits/x HTTP/1.1\nHost: " + host + "\nConnection: close\n\n");
        assertThat(RawHttp.status(response)).as("Host: %s -> %s", host, response.lines().findFirst().orElse("")).isEqualTo(400);
        assertThat(upstream.count()).isZero();
    }

    @ParameterizedTest(name = "Host: {0}")
    @ValueSource(strings = { "a.example.com", "a.example.com:8443", "127.0.0.1:8080", "[::1]:8080", "A.Example.COM." })
    void validHostHeadersAreServed(String host) {
        assertThat(RawHttp.status(send("GET /edits/x HTTP/1.1\nHost: " + host + "\nConnection: close\n\n"))).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "HTTP/1.1", "HTTP/1.0" })
    void aRequestWithoutHostIsRefused(String version) {
        String response = send("GET /edits/x " + version + "\nConnection: close\n\n");
        assertThat(RawHttp.status(response)).as(response.lines().findFirst().orElse("")).isEqualTo(400);
        assertThat(upstream.count()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "Transfer-Encoding: chunked, identity | 400",
            "Transfer-Encoding: identity, chunked | 501",
            "Transfer-Encoding: xchunked | 400",
            "Transfer-Encoding: gzip, chunked | 501",
            "Transfer-Encoding: chunked\\nTransfer-Encoding: chunked | 400",
            "Transfer-Encoding : chunked | 400" })
    void transferCodingsOtherThanChunkedAreRefused(String header, int status) {
        // a literal \n in the CSV row separates two header lines
        String response = send("POST /edits/x HTTP/1.1\nHost: a\n" + header.replace("\\n", "\n") + "\nConnection: close\n\n3\nabc\n0\n\n");
        assertThat(RawHttp.status(response)).as("%s -> %s", header, response.lines().findFirst().orElse("")).isEqualTo(status);
        assertThat(upstream.count()).isZero();
    }

    @Test
    void chunkedIsCaseInsensitiveAndReframedForTheUpstream() {
        String response = send("POST /edits/x HTTP/1.1\nHost: a\nTransfer-Encoding: Chunked\nConnection: close\n\n3\nabc\n0\n\n");
        assertThat(RawHttp.status(response)).isEqualTo(200);
        assertThat(upstream.last().body()).isEqualTo("abc");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "POST /edits/x HTTP/1.0\nHost: a\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n",
            "POST /edits/x HTTP/1.0\nHost: a\nTransfer-Encoding: chunked\nContent-Length: 3\n\nabc" })
    void transferEncodingOnHttp10IsRefused(String request) {
        assertThat(RawHttp.status(send(request))).isEqualTo(400);
        assertThat(upstream.count()).isZero();
    }

    @Test
    void bareLineFeedsAreRefused() {
        String response = RawHttp.exchange(gateway.port(), "GET /edits/x HTTP/1.1\nHost: a\nConnection: close\n\n", 5000);
        assertThat(RawHttp.status(response)).isEqualTo(400);
        assertThat(upstream.count()).isZero();
    }

    @Test
    void expectationsOtherThan100ContinueGet417() {
        assertThat(RawHttp.status(send("POST /edits/x HTTP/1.1\nHost: a\nExpect: bogus\nContent-Length: 3\nConnection: close\n\nabc")))
                .isEqualTo(417);
        assertThat(upstream.count()).isZero();
        String continued = send("POST /edits/x HTTP/1.1\nHost: a\nExpect: 100-continue\nContent-Length: 3\nConnection: close\n\nabc");
        assertThat(continued).startsWith("HTTP/1.1 100 Continue").contains("HTTP/1.1 200");
        assertThat(upstream.last().body()).isEqualTo("abc");
    }

    @Test
    void wildcardOriginsWithCredentialsAndBacktrackingPatternsAreRejectedRoutes() throws Exception {
        String routes = http.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + "/actuator/routes")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(routes).contains("\"id\":\"file/cors-any-https-with-credentials\"", "\"id\":\"file/cors-wildcard-with-credentials\"",
                "\"id\":\"file/cors-backtracking\"");
        for (String path : new String[] { "/leaky/x", "/leaky2/x", "/slow-cors/x" }) {
            String response = send("GET " + path + " HTTP/1.1\nHost: a\nOrigin: https://evil.example.com\nConnection: close\n\n");
            assertThat(RawHttp.status(response)).as("%s is not served", path).isEqualTo(404);
            assertThat(response).doesNotContainIgnoringCase("Access-Control-Allow-Credentials");
        }
    }

    @Test
    void originPatternsMatchHostileOriginsInLinearTime() {
        // 8 KB of labels: a backtracking matcher would take seconds on a multi-star pattern, and this one is matched per request
        String longOrigin = "https://" + "a.".repeat(3900) + "example.com";
        String notMatching = "https://" + "a.".repeat(3900) + "example.org";
        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            String ok = send("GET /cors/x HTTP/1.1\nHost: a\nOrigin: " + longOrigin + "\nConnection: close\n\n");
            assertThat(ok).startsWith("HTTP/1.1 200").containsIgnoringCase("Access-Control-Allow-Origin: " + longOrigin);
            String refused = send("GET /cors/x HTTP/1.1\nHost: a\nOrigin: " + notMatching + "\nConnection: close\n\n");
            assertThat(RawHttp.status(refused)).isEqualTo(403);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        // a ceiling for the claim, loose enough for a busy machine: 100 requests with 8 KB origins
        assertThat(millis).isLessThan(20_000);
        assertThat(RawHttp.status(send("GET /cors/x HTTP/1.1\nHost: a\nOrigin: https://example.com\nConnection: close\n\n")))
                .as("the bare domain is not a subdomain").isEqualTo(403);
        assertThat(RawHttp.status(send("GET /cors/x HTTP/1.1\nHost: a\nOrigin: https://a.example.com.evil.net\nConnection: close\n\n")))
                .isEqualTo(403);
        assertThat(RawHttp.status(send("GET /cors/x HTTP/1.1\nHost: a\nOrigin: http://a.example.com\nConnection: close\n\n")))
                .as("another scheme").isEqualTo(403);
    }
}
