package dev.isthmus.security;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.isthmus.deploy.TestCertificates;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;
import dev.isthmus.testsupport.RawHttp;
import dev.isthmus.testsupport.RawHttp2Connection;
import dev.isthmus.testsupport.RawHttp2Connection.Frame;
import dev.isthmus.testsupport.RealInfra;

import static dev.isthmus.testsupport.RawHttp2Connection.CONTINUATION;
import static dev.isthmus.testsupport.RawHttp2Connection.DATA;
import static dev.isthmus.testsupport.RawHttp2Connection.END_HEADERS;
import static dev.isthmus.testsupport.RawHttp2Connection.END_STREAM;
import static dev.isthmus.testsupport.RawHttp2Connection.GOAWAY;
import static dev.isthmus.testsupport.RawHttp2Connection.HEADERS;
import static dev.isthmus.testsupport.RawHttp2Connection.PING;
import static dev.isthmus.testsupport.RawHttp2Connection.RST_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slow and abusive clients against the real jar, the same hostile behaviour over HTTP/1.1, h2c
 * (prior knowledge) and h2 over TLS: slowloris on a connection's first and on its second request
 * (trickled header bytes; over HTTP/2 a header block trickled in CONTINUATION frames), idle
 * keep-alive connections (over HTTP/2 kept busy with PINGs), RST_STREAM and CONTINUATION floods.
 * The header deadline is 2 s and the idle timeout 3 s here; every expectation has a generous margin
 * for a busy machine, and every loop is bounded.
 */
class SlowClientsIT {

    static final long HEADER_TIMEOUT_MS = 2000;
    static final long IDLE_TIMEOUT_MS = 3000;
    /** A slow client must be gone by then; trickling goes on for longer (if never cut, the test fails). */
    static final long CUT_OFF_BY_MS = 7000;

    enum Protocol {
        HTTP_1_1, H2C, H2;

        int port() {
            return this == H2 ? tls.port() : clear.port();
        }

        boolean http2() {
            return this != HTTP_1_1;
        }
    }

    static EchoServer upstream;
    static EchoServer internal;
    static GatewayProcess clear;
    static GatewayProcess tls;
    static int redirectPort;

    @BeforeAll
    static void start() throws Exception {
        upstream = EchoServer.start("slow");
        internal = EchoServer.start("internal");
        String routes = """
                routes:
                  - name: all
                    match: {path: {prefix: /}}
                    backends: [{url: "%s"}]
                  - name: internal
                    hosts: [internal.example.com]
                    match: {path: {prefix: /}}
                    backends: [{url: "%s"}]
                """.formatted(upstream.url(), internal.url());
        Map<String, String> limits = Map.of("isthmus.server.request-header-timeout", HEADER_TIMEOUT_MS + "ms",
                "server.netty.idle-timeout", IDLE_TIMEOUT_MS + "ms", "server.http2.enabled", "true");
        clear = GatewayProcess.start(limits, routes);

        Path certs = Files.createTempDirectory("isthmus-slow-tls");
        TestCertificates.Issued cert = TestCertificates.newCa().issue(List.of("localhost"), false, TestCertificates.KeyFormat.PKCS8);
        Files.writeString(certs.resolve("tls.crt"), cert.certificatePem());
        Files.writeString(certs.resolve("tls.key"), cert.privateKeyPem());
        redirectPort = RealInfra.freePort();
        Map<String, String> tlsProps = new java.util.HashMap<>(limits);
        tlsProps.putAll(Map.of("server.ssl.bundle", "gw", "spring.ssl.bundle.pem.gw.keystore.certificate", "file:" + certs.resolve("tls.crt"),
                "spring.ssl.bundle.pem.gw.keystore.private-key", "file:" + certs.resolve("tls.key"), "management.server.ssl.enabled", "false",
                "isthmus.http-redirect.enabled", "true", "isthmus.http-redirect.port", String.valueOf(redirectPort)));
        tls = GatewayProcess.start(tlsProps, routes);
    }

    @AfterAll
    static void stop() {
        if (tls != null) {
            tls.close();
        }
        if (clear != null) {
            clear.close();
        }
        upstream.close();
        internal.close();
    }

    // --- slowloris ---

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void slowlorisOnTheFirstRequestIsCutOff(Protocol protocol) throws Exception {
        int before = upstream.count();
        if (!protocol.http2()) {
            long start = System.nanoTime();
            String response = RawHttp.trickle(protocol.port(), "GET /x HTTP/1.1\r\nHost: a\r\nX-Slow: " + "a".repeat(100) + "\r\n\r\n", 100, 12000);
            assertThat(millisSince(start)).as("cut off after the header timeout, not served").isLessThan(CUT_OFF_BY_MS);
            assertThat(RawHttp.status(response)).isIn(-1, 408);
        }
        else {
            try (RawHttp2Connection c = RawHttp2Connection.connect(protocol.port(), protocol == Protocol.H2)) {
                c.handshake();
                assertThat(trickledHeaderBlockIsCutOff(c, 1)).isLessThan(CUT_OFF_BY_MS);
            }
        }
        assertThat(upstream.count()).isEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void slowlorisOnTheSecondRequestIsCutOff(Protocol protocol) throws Exception {
        if (!protocol.http2()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", protocol.port()), 5000);
                s.setSoTimeout(12000);
                OutputStream out = s.getOutputStream();
                out.write("GET /first HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                assertThat(RawHttp.readResponse(s.getInputStream())).startsWith("HTTP/1.1 200");
                long start = System.nanoTime();
                AtomicBoolean closed = new AtomicBoolean();
                Thread trickler = trickle(out, "GET /second HTTP/1.1\r\nHost: a\r\nX-Slow: " + "a".repeat(100) + "\r\n\r\n", 100, closed);
                String rest = readAll(s.getInputStream());
                closed.set(true);
                trickler.join(2000);
                assertThat(millisSince(start)).as("the second request's headers have their own deadline").isLessThan(CUT_OFF_BY_MS);
                assertThat(rest).isIn("", "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
            }
            assertThat(upstream.received()).noneMatch(r -> r.uri().equals("/second"));
        }
        else {
            try (RawHttp2Connection c = RawHttp2Connection.connect(protocol.port(), protocol == Protocol.H2)) {
                c.handshake();
                c.get(1, "/first", "a");
                Frame end = awaitEndOfStream(c, 1);
                assertThat(end).as("the first stream is answered").isNotNull();
                assertThat(trickledHeaderBlockIsCutOff(c, 3)).isLessThan(CUT_OFF_BY_MS);
            }
        }
    }

    /**
     * Opens a header block with a one-byte HEADERS frame (no END_HEADERS) and trickles the rest in
     * one-byte CONTINUATION frames every 150 ms; returns how long the server took to close.
     */
    private static long trickledHeaderBlockIsCutOff(RawHttp2Connection c, int stream) throws Exception {
        byte[] block = RawHttp2Connection.requestBlock("GET", "/trickled", "a", "x-slow", "a".repeat(80));
        long start = System.nanoTime();
        c.frame(HEADERS, END_STREAM, stream, new byte[] { block[0] });
        AtomicBoolean stop = new AtomicBoolean();
        Thread trickler = new Thread(() -> {
            for (int i = 1; i < block.length && !stop.get(); i++) {
                try {
                    c.frame(CONTINUATION, i == block.length - 1 ? END_HEADERS : 0, stream, new byte[] { block[i] });
                    Thread.sleep(150);
                }
                catch (RuntimeException | InterruptedException e) {
                    return;
                }
            }
        });
        trickler.start();
        c.soTimeout(15000);
        List<Frame> frames = c.readUntilClosed();
        long millis = millisSince(start);
        stop.set(true);
        trickler.join(2000);
        assertThat(frames).as("no response to the trickled request").noneMatch(f -> f.type() == HEADERS && f.streamId() == stream);
        return millis;
    }

    // --- idle connections ---

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void idleKeepAliveConnectionsAreClosed(Protocol protocol) throws Exception {
        if (!protocol.http2()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", protocol.port()), 5000);
                s.setSoTimeout(15000);
                s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                assertThat(RawHttp.readResponse(s.getInputStream())).startsWith("HTTP/1.1 200");
                long start = System.nanoTime();
                assertThat(s.getInputStream().read()).as("closed, not answered").isEqualTo(-1);
                assertThat(millisSince(start)).isBetween(IDLE_TIMEOUT_MS - 500, IDLE_TIMEOUT_MS + 5000);
            }
        }
        else {
            try (RawHttp2Connection c = RawHttp2Connection.connect(protocol.port(), protocol == Protocol.H2)) {
                c.handshake();
                c.get(1, "/x", "a");
                assertThat(awaitEndOfStream(c, 1)).isNotNull();
                long start = System.nanoTime();
                // PINGs every 500 ms do not keep a connection without streams alive
                AtomicBoolean stop = new AtomicBoolean();
                Thread pinger = new Thread(() -> {
                    for (int i = 0; i < 40 && !stop.get(); i++) {
                        try {
                            c.frame(PING, 0, 0, new byte[8]);
                            Thread.sleep(500);
                        }
                        catch (RuntimeException | InterruptedException e) {
                            return;
                        }
                    }
                });
                pinger.start();
                c.soTimeout(20000);
                List<Frame> frames = c.readUntilClosed();
                long millis = millisSince(start);
                stop.set(true);
                pinger.join(2000);
                assertThat(millis).as("closed after the idle timeout despite the PINGs").isBetween(IDLE_TIMEOUT_MS - 500, IDLE_TIMEOUT_MS + 5000);
                assertThat(frames).anyMatch(f -> f.type() == GOAWAY);
            }
        }
    }

    // --- HTTP/2 floods and limits ---

    @ParameterizedTest
    @EnumSource(value = Protocol.class, names = { "H2C", "H2" })
    void rstFloodEndsTheConnectionAndOthersAreServed(Protocol protocol) throws Exception {
        try (RawHttp2Connection c = RawHttp2Connection.connect(protocol.port(), protocol == Protocol.H2)) {
            c.handshake();
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            byte[] block = RawHttp2Connection.requestBlock("GET", "/rst", "a");
            for (int i = 0; i < 1000; i++) {
                int stream = 1 + 2 * i;
                flood.writeBytes(RawHttp2Connection.encodeFrame(HEADERS, END_HEADERS | END_STREAM, stream, block));
                flood.writeBytes(RawHttp2Connection.encodeFrame(RST_STREAM, 0, stream, new byte[] { 0, 0, 0, 8 })); // CANCEL
            }
            try {
                c.write(flood.toByteArray());
            }
            catch (IllegalStateException closedWhileWriting) {
                // the server gave up on us mid-flood
            }
            c.soTimeout(15000);
            List<Frame> frames = c.readUntilClosed();
            Frame goAway = frames.stream().filter(f -> f.type() == GOAWAY).findFirst().orElse(null);
            assertThat(goAway).as("GOAWAY before closing").isNotNull();
            assertThat(goAway.errorCode()).as("ENHANCE_YOUR_CALM (Netty's Rapid Reset limit)").isEqualTo(0xb);
        }
        assertServed(protocol);
    }

    @ParameterizedTest
    @EnumSource(value = Protocol.class, names = { "H2C", "H2" })
    void continuationFloodEndsTheConnection(Protocol protocol) throws Exception {
        try (RawHttp2Connection c = RawHttp2Connection.connect(protocol.port(), protocol == Protocol.H2)) {
            c.handshake();
            byte[] block = RawHttp2Connection.requestBlock("GET", "/flood", "a");
            ByteArrayOutputStream header = new ByteArrayOutputStream();
            RawHttp2Connection.literal(header, "x-flood", "f".repeat(90));
            byte[] piece = header.toByteArray();
            c.frame(HEADERS, END_STREAM, 1, block);
            long start = System.nanoTime();
            long sent = 0;
            // up to 10 MB of header block, never ended; the server must stop reading long before
            try {
                for (int i = 0; i < 100_000 && millisSince(start) < 10_000; i++) {
                    c.frame(CONTINUATION, 0, 1, piece);
                    sent += piece.length;
                }
            }
            catch (IllegalStateException closed) {
                // expected: the server closed the connection
            }
            c.soTimeout(15000);
            List<Frame> frames = c.readUntilClosed();
            assertThat(frames).as("no response to an unending header block").noneMatch(f -> f.type() == HEADERS);
            assertThat(millisSince(start)).isLessThan(CUT_OFF_BY_MS + 10_000);
            assertThat(sent).as("bytes of header block written before the server closed").isLessThan(10L * 1024 * 1024);
        }
        try (RawHttp2Connection c = RawHttp2Connection.connect(protocol.port(), protocol == Protocol.H2)) {
            // empty CONTINUATION frames grow nothing: the header deadline ends them
            c.handshake();
            c.frame(HEADERS, END_STREAM, 1, RawHttp2Connection.requestBlock("GET", "/flood", "a"));
            long start = System.nanoTime();
            try {
                while (millisSince(start) < 12_000) {
                    c.frame(CONTINUATION, 0, 1, new byte[0]);
                    Thread.sleep(1);
                }
            }
            catch (IllegalStateException closed) {
                // expected
            }
            c.soTimeout(15000);
            c.readUntilClosed();
            assertThat(millisSince(start)).as("an empty CONTINUATION flood is cut off by the header deadline").isLessThan(CUT_OFF_BY_MS + 2000);
        }
        assertServed(protocol);
    }

    @ParameterizedTest
    @EnumSource(value = Protocol.class, names = { "H2C", "H2" })
    void concurrentStreamsAreBounded(Protocol protocol) throws Exception {
        try (RawHttp2Connection c = RawHttp2Connection.connect(protocol.port(), protocol == Protocol.H2)) {
            Frame settings = c.handshake();
            assertThat(settings.settings()).containsEntry(RawHttp2Connection.SETTINGS_MAX_CONCURRENT_STREAMS, 100L);
            // 101 streams opened and left open (no END_STREAM): the 101st is refused
            byte[] block = RawHttp2Connection.requestBlock("POST", "/open", "a");
            ByteArrayOutputStream opens = new ByteArrayOutputStream();
            for (int i = 0; i < 101; i++) {
                opens.writeBytes(RawHttp2Connection.encodeFrame(HEADERS, END_HEADERS, 1 + 2 * i, block));
            }
            c.write(opens.toByteArray());
            Frame reset = c.await(RST_STREAM, 201);
            assertThat(reset).as("stream 201 refused").isNotNull();
            assertThat(reset.errorCode()).as("REFUSED_STREAM").isEqualTo(0x7);
        }
    }

    /** Netty turns :authority into Host; with a different host header too, the request is refused (stream reset or 400), never routed. */
    @Test
    void anAuthorityThatDisagreesWithHostIsRefused() throws Exception {
        try (RawHttp2Connection c = RawHttp2Connection.connect(clear.port(), false)) {
            c.handshake();
            c.get(1, "/x", "internal.example.com", "host", "shop.example.com");
            Frame answer;
            do {
                answer = c.read();
            }
            while (answer != null && answer.streamId() != 1);
            assertThat(answer).as("an answer on the stream").isNotNull();
            if (answer.type() == HEADERS) {
                // :status 400 is HPACK static index 12 (0x8c)
                assertThat(answer.payload()[0] & 0xff).as(":status").isEqualTo(0x8c);
            }
            else {
                assertThat(answer.type()).as("RST_STREAM").isEqualTo(RST_STREAM);
            }
            c.get(3, "/x", "shop.example.com");
            assertThat(awaitEndOfStream(c, 3)).as("the connection goes on serving").isNotNull();
        }
        assertThat(internal.count()).isZero();
        assertThat(upstream.received()).noneMatch(r -> "internal.example.com".equals(r.header("Host")));
    }

    @Test
    void h2cUpgradeIsServedAsHttp11() {
        String response = RawHttp.exchange(clear.port(), "GET /upgrade HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n", 3000);
        assertThat(response).startsWith("HTTP/1.1 200").doesNotContain("101 Switching");
        assertThat(upstream.last().header("Upgrade")).isNull();
        assertThat(upstream.last().header("HTTP2-Settings")).isNull();
    }

    @Test
    void theRedirectListenerCutsOffSlowAndIdleClients() throws Exception {
        long start = System.nanoTime();
        String response = RawHttp.trickle(redirectPort, "GET /x HTTP/1.1\r\nHost: a\r\nX-Slow: " + "a".repeat(100) + "\r\n\r\n", 100, 12000);
        assertThat(millisSince(start)).isLessThan(CUT_OFF_BY_MS);
        assertThat(RawHttp.status(response)).isIn(-1, 408);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", redirectPort), 5000);
            s.setSoTimeout(15000);
            s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(RawHttp.readResponse(s.getInputStream())).startsWith("HTTP/1.1 308");
            long idle = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            assertThat(millisSince(idle)).isLessThan(IDLE_TIMEOUT_MS + 5000);
        }
    }

    // --- helpers ---

    private static void assertServed(Protocol protocol) throws Exception {
        try (RawHttp2Connection c = RawHttp2Connection.connect(protocol.port(), protocol == Protocol.H2)) {
            c.handshake();
            c.get(1, "/after", "a");
            assertThat(awaitEndOfStream(c, 1)).as("a fresh connection is served").isNotNull();
        }
    }

    /** The frame that ends a stream's response (HEADERS or DATA with END_STREAM), or null if the connection closed. */
    private static Frame awaitEndOfStream(RawHttp2Connection c, int stream) throws Exception {
        while (true) {
            Frame f = c.read();
            if (f == null || (f.streamId() == stream && (f.type() == HEADERS || f.type() == DATA) && f.has(END_STREAM))) {
                return f;
            }
        }
    }

    private static Thread trickle(OutputStream out, String text, long intervalMillis, AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
                if (stop.get()) {
                    return;
                }
                try {
                    out.write(b);
                    out.flush();
                    Thread.sleep(intervalMillis);
                }
                catch (Exception e) {
                    return;
                }
            }
        });
        t.start();
        return t;
    }

    private static String readAll(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            byte[] chunk = new byte[4096];
            int n;
            while ((n = in.read(chunk)) >= 0) {
                buf.write(chunk, 0, n);
            }
        }
        catch (Exception e) {
            // reset or timeout: what we have is the answer
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
