package dev.isthmus.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;
import dev.isthmus.testsupport.RawHttp;
import dev.isthmus.testsupport.RawHttp2Connection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who the client is, against the real jar started with the environment the kubelet gives every
 * pod (KUBERNETES_SERVICE_HOST/PORT, which once made Spring Boot trust any X-Forwarded-For): one
 * address, from the peer, trusted proxies or a trusted PROXY protocol header, feeds rate limits,
 * consistent hashing, the access log and the X-Forwarded-* sent upstream.
 */
class ClientAddressIT {

    static final Map<String, String> IN_A_POD = Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1", "KUBERNETES_SERVICE_PORT", "443");

    static EchoServer a;
    static EchoServer b;
    /** No trusted proxies configured: the peer is the client, whatever the headers say, also in a pod. */
    static GatewayProcess plain;
    /** Trusted proxies 127.0.0.1 and 10.1.0.0/16, PROXY protocol from 127.0.0.1 only, HTTP/2 on. */
    static GatewayProcess trusted;

    @BeforeAll
    static void start() {
        a = EchoServer.start("a");
        b = EchoServer.start("b");
        plain = GatewayProcess.start(Map.of("isthmus.access-log.enabled", "true", "logging.structured.format.console", "ecs"), routes(),
                List.of("-Xmx384m"), IN_A_POD);
        Map<String, String> props = new HashMap<>();
        props.put("isthmus.access-log.enabled", "true");
        props.put("logging.structured.format.console", "ecs");
        props.put("isthmus.server.trusted-proxies", "127.0.0.1,10.1.0.0/16");
        props.put("isthmus.server.proxy-protocol.enabled", "true");
        props.put("isthmus.server.proxy-protocol.trusted-cidrs", "127.0.0.1/32");
        props.put("server.http2.enabled", "true");
        trusted = GatewayProcess.start(props, routes(), List.of("-Xmx384m"), IN_A_POD);
    }

    @AfterAll
    static void stop() {
        if (trusted != null) {
            trusted.close();
        }
        if (plain != null) {
            plain.close();
        }
        a.close();
        b.close();
    }

    static String routes() {
        return """
                routes:
                  - name: echo
                    match: {path: {prefix: /echo}}
                    backends: [{url: "%1$s"}]
                  - name: limited
                    match: {path: {prefix: /limited}}
                    rateLimit: {requestsPerSecond: 1, burst: 1, key: client-ip}
                    backends: [{url: "%1$s"}]
                  # no upstream, so a pipelined burst is answered within milliseconds even on a busy machine
                  - name: limited-redirect
                    match: {path: {prefix: /burst}}
                    rateLimit: {requestsPerSecond: 1, burst: 5, key: client-ip}
                    redirect: {path: /elsewhere}
                  - name: quiet
                    match: {path: {prefix: /quiet}}
                    forwardedHeaders: false
                    backends: [{url: "%1$s"}]
                  - name: sticky
                    match: {path: {prefix: /sticky}}
                    loadBalancer: {policy: consistent-hash, hashOn: {sourceIp: true}}
                    backends: [{url: "%1$s"}, {url: "%2$s"}]
                """.formatted(a.url(), b.url());
    }

    /** Sends the requests pipelined on one connection (so a 1/s limit cannot refill in between) and returns their statuses. */
    static List<Integer> pipelined(int port, List<String> requests) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10000);
            StringBuilder all = new StringBuilder();
            requests.forEach(all::append);
            s.getOutputStream().write(all.toString().getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            List<Integer> statuses = new ArrayList<>();
            var in = new java.io.BufferedInputStream(s.getInputStream());
            for (int i = 0; i < requests.size(); i++) {
                statuses.add(RawHttp.status(RawHttp.readResponse(in)));
            }
            return statuses;
        }
    }

    static String request(String path, String... headers) {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: api.example.com\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        return req.append("\r\n").toString();
    }

    static String get(int port, String path, String... headers) {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        return RawHttp.exchange(port, req.append("\r\n").toString(), 5000);
    }

    @BeforeEach
    void reset() {
        a.reset();
        b.reset();
    }

    @Test
    void rotatingXForwardedForDoesNotBypassAClientIpLimit() throws IOException {
        List<String> requests = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            requests.add(request("/burst/x", "X-Forwarded-For: 10.0.0." + i, "Forwarded: for=10.0.1." + i));
        }
        // one bucket of 5, the peer's (a token or two may refill on a slow machine); before, in a pod
        // (Spring Boot's NATIVE forwarded headers), each rotated address had its own: 10 of 10 allowed
        long allowed = pipelined(plain.port(), requests).stream().filter(s -> s == 302).count();
        assertThat(allowed).isBetween(5L, 7L);
    }

    @Test
    void upstreamsGetThePeerAsTheForwardedChainAndNeverTheClientsClaims() {
        assertThat(RawHttp.status(get(plain.port(), "/echo/x", "X-Forwarded-For: 6.6.6.6", "X-Forwarded-Proto: https",
                "X-Forwarded-Host: evil.example", "Forwarded: for=6.6.6.6;proto=https"))).isEqualTo(200);
        EchoServer.Received r = a.last();
        assertThat(r.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(r.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(r.header("X-Forwarded-Host")).isEqualTo("api.example.com");
        assertThat(r.header("X-Forwarded-Port")).isEqualTo("80");
        assertThat(r.header("Forwarded")).isEqualTo("for=127.0.0.1;proto=http;host=\"api.example.com\"");
        assertThat(Await.until(java.time.Duration.ofSeconds(5), () -> plain.log().contains("\"client\":\"127.0.0.1\""))).as("access log").isTrue();
        assertThat(plain.log()).doesNotContain("\"client\":\"6.6.6.6\"");
    }

    @Test
    void aRouteCanTurnForwardedHeadersOff() {
        assertThat(RawHttp.status(get(plain.port(), "/quiet/x", "X-Forwarded-For: 6.6.6.6", "Forwarded: for=6.6.6.6",
                "X-Forwarded-Proto: https"))).isEqualTo(200);
        Map<String, String> headers = a.last().headers();
        assertThat(headers.keySet()).noneMatch(h -> h.toLowerCase().startsWith("x-forwarded-") || h.equalsIgnoreCase("forwarded"));
    }

    @Test
    void theClientIsTheRightMostUntrustedAddressAndTheChainStartsThere() {
        assertThat(RawHttp.status(get(trusted.port(), "/echo/x", "X-Forwarded-For: 6.6.6.6, 203.0.113.9, 10.1.2.3",
                "X-Forwarded-Proto: https", "X-Forwarded-Host: shop.example.com", "X-Forwarded-Port: 8443"))).isEqualTo(200);
        EchoServer.Received r = a.last();
        assertThat(r.header("X-Forwarded-For")).as("the client's own claim (6.6.6.6) is not passed on")
                .isEqualTo("203.0.113.9, 10.1.2.3, 127.0.0.1");
        assertThat(r.header("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(r.header("X-Forwarded-Host")).isEqualTo("shop.example.com");
        assertThat(r.header("X-Forwarded-Port")).isEqualTo("8443");
        assertThat(r.header("Forwarded")).isEqualTo("for=203.0.113.9;proto=https;host=\"shop.example.com\", for=10.1.2.3, for=127.0.0.1");
        assertThat(Await.until(java.time.Duration.ofSeconds(5), () -> trusted.log().contains("\"client\":\"203.0.113.9\""))).isTrue();
    }

    @Test
    void rfc7239ForwardedFromATrustedProxyIsBelievedToo() {
        assertThat(RawHttp.status(get(trusted.port(), "/echo/x", "Forwarded: for=\"[2001:db8::7]:4711\";proto=https, for=10.1.0.9"))).isEqualTo(200);
        assertThat(a.last().header("X-Forwarded-For")).isEqualTo("2001:db8:0:0:0:0:0:7, 10.1.0.9, 127.0.0.1");
        assertThat(a.last().header("Forwarded")).startsWith("for=\"[2001:db8:0:0:0:0:0:7]\";proto=https");
    }

    @Test
    void rateLimitsCountPerClientNotPerProxy() throws IOException {
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            requests.add(request("/burst/x", "X-Forwarded-For: 198.51.100.1"));
        }
        requests.add(request("/burst/x", "X-Forwarded-For: 198.51.100.2"));
        List<Integer> statuses = pipelined(trusted.port(), requests);
        assertThat(statuses.subList(0, 10).stream().filter(s -> s == 302).count()).as("one client's bucket of 5").isBetween(5L, 7L);
        assertThat(statuses.get(10)).as("another client behind the same proxy has its own").isEqualTo(302);
    }

    @Test
    void consistentHashingBySourceIpUsesTheClientAddress() {
        Map<String, String> chosen = new HashMap<>();
        for (int i = 1; i <= 40; i++) {
            for (int repeat = 0; repeat < 3; repeat++) {
                a.reset();
                b.reset();
                String client = "198.51.100." + (100 + i);
                assertThat(RawHttp.status(get(trusted.port(), "/sticky/x", "X-Forwarded-For: " + client))).isEqualTo(200);
                String server = a.count() == 1 ? "a" : "b";
                assertThat(chosen.putIfAbsent(client, server)).as("client %s sticks to one upstream", client).isIn(null, server);
            }
        }
        assertThat(new HashSet<>(chosen.values())).as("40 clients behind one proxy spread over both upstreams").containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void proxyProtocolV1FromATrustedLoadBalancerNamesTheClient() {
        String response = RawHttp.exchange(trusted.port(), "PROXY TCP4 192.0.2.77 127.0.0.1 40000 80\r\n"
                + "GET /echo/v1 HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n", 5000);
        assertThat(RawHttp.status(response)).isEqualTo(200);
        assertThat(a.last().header("X-Forwarded-For")).isEqualTo("192.0.2.77");
    }

    @Test
    void proxyProtocolV2FromATrustedLoadBalancerNamesTheClientAndFeedsTheRateLimit() throws IOException {
        for (String client : List.of("192.0.2.10", "192.0.2.11")) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", trusted.port()), 5000);
                s.setSoTimeout(10000);
                StringBuilder requests = new StringBuilder();
                for (int i = 0; i < 8; i++) {
                    requests.append(request("/burst/v2"));
                }
                requests.append(request("/echo/v2"));
                s.getOutputStream().write(concat(proxyV2(client, 40001), requests.toString().getBytes(StandardCharsets.ISO_8859_1)));
                var in = new java.io.BufferedInputStream(s.getInputStream());
                int allowed = 0;
                for (int i = 0; i < 8; i++) {
                    allowed += RawHttp.status(RawHttp.readResponse(in)) == 302 ? 1 : 0;
                }
                assertThat(allowed).as("%s: its own bucket of 5, whoever connected before", client).isBetween(5, 7);
                assertThat(RawHttp.status(RawHttp.readResponse(in))).isEqualTo(200);
            }
            assertThat(a.last().header("X-Forwarded-For")).isEqualTo(client);
        }
    }

    @Test
    void proxyProtocolCarriesTheClientIntoHttp2Streams() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", trusted.port()), 5000);
            s.setSoTimeout(10000);
            OutputStream out = s.getOutputStream();
            out.write("PROXY TCP4 192.0.2.88 127.0.0.1 40002 80\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.write(RawHttp2Connection.encodeFrame(RawHttp2Connection.SETTINGS, 0, 0, new byte[0]));
            out.write(RawHttp2Connection.encodeFrame(RawHttp2Connection.HEADERS, RawHttp2Connection.END_HEADERS | RawHttp2Connection.END_STREAM, 1,
                    RawHttp2Connection.requestBlock("GET", "/echo/h2", "api.example.com")));
            out.flush();
            assertThat(Await.until(java.time.Duration.ofSeconds(10), () -> a.count() > 0)).isTrue();
        }
        assertThat(a.last().header("X-Forwarded-For")).isEqualTo("192.0.2.88");
    }

    @Test
    void aTrustedLoadBalancersHealthCheckWithoutAHeaderIsServed() {
        assertThat(RawHttp.status(get(trusted.port(), "/echo/health"))).isEqualTo(200);
        assertThat(a.last().header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    void aProxyHeaderFromAnyOtherPeerIsRefused() throws IOException {
        // 127.0.0.2 is loopback too, but not in proxy-protocol.trusted-cidrs
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.2", 0));
            s.connect(new InetSocketAddress("127.0.0.1", trusted.port()), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("PROXY TCP4 192.0.2.99 127.0.0.1 40003 80\r\n"
                    + "GET /echo/spoof HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            // refused either way: with HTTP/2 on the clear-text port, Http2PrefaceGuard closes a
            // connection whose first line is neither the HTTP/2 preface nor an HTTP/1.x request
            // line; with HTTP/1.1 only, the codec answers 400 to "PROXY ..." as a request line
            assertThat(RawHttp.status(response)).isIn(-1, 400);
        }
        assertThat(a.received()).noneMatch(r -> r.uri().contains("spoof"));
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.2", 0));
            s.connect(new InetSocketAddress("127.0.0.1", trusted.port()), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(concat(proxyV2("192.0.2.98", 40004),
                    "GET /echo/spoof2 HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(RawHttp.status(response)).isIn(-1, 400);
        }
        assertThat(a.received()).noneMatch(r -> r.uri().contains("spoof"));
    }

    /** A PROXY protocol v2 header (PROXY command, TCP over IPv4) naming {@code source}. */
    static byte[] proxyV2(String source, int sourcePort) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A });
        b.write(0x21); // version 2, PROXY
        b.write(0x11); // AF_INET, STREAM
        b.write(0);
        b.write(12);
        for (String part : source.split("\\.")) {
            b.write(Integer.parseInt(part));
        }
        b.writeBytes(new byte[] { 127, 0, 0, 1 });
        b.write(sourcePort >> 8);
        b.write(sourcePort & 0xff);
        b.write(0);
        b.write(80);
        return b.toByteArray();
    }

    static byte[] concat(byte[] x, byte[] y) {
        byte[] out = new byte[x.length + y.length];
        System.arraycopy(x, 0, out, 0, x.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

}
