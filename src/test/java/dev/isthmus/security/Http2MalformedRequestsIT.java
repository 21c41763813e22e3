package dev.isthmus.security;

import java.time.Duration;
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
import dev.isthmus.testsupport.RawHttp2;
import dev.isthmus.testsupport.RawHttp2.Outcome;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed HTTP/2 requests, frame by frame, to a gateway with HTTP/2 on (h2c, prior knowledge)
 * and a catch-all route to a real upstream that records every request it receives. A malformed
 * request must be reset with PROTOCOL_ERROR (RFC 9113 §8.1.1) and never reach the upstream as a
 * request, and the upstream connections must stay in step: the next request arrives intact. A
 * gateway that forwards a body of another length than its content-length over HTTP/1.1 lets a
 * client smuggle a request to the upstream.
 */
class Http2MalformedRequestsIT {

    static EchoServer upstream;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        upstream = EchoServer.start("h2-upstream");
        gateway = GatewayApp.start("""
                routes:
                  - name: all
                    match: {path: {prefix: /}}
                    backends: [{url: "%s"}]
                """.formatted(upstream.url()), Map.of("server.http2.enabled", "true"));
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

    /** Waits long enough for anything the gateway forwarded to have reached the upstream. */
    private static void settle() throws InterruptedException {
        Thread.sleep(500);
    }

    /** A request that follows on the same client connection, through the same upstream pool, arrives whole. */
    private static void nextRequestArrivesIntact(RawHttp2 client, int streamId) throws Exception {
        client.request(streamId, "POST", "/after", false, "content-length", "11");
        client.data(streamId, true, "still sound");
        Outcome ok = client.outcome(streamId);
        assertThat(ok.status()).as("%s", ok).isEqualTo(200);
        assertThat(upstream.received()).as("the upstream saw only the sound request, whole")
                .singleElement().satisfies(r -> {
                    assertThat(r.uri()).isEqualTo("/after");
                    assertThat(r.body()).isEqualTo("still sound");
                });
    }

    @Test
    void aBodyShorterThanItsContentLengthIsResetAndTheUpstreamGetsNoRequest() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(gateway.port())) {
            client.request(1, "POST", "/short", false, "content-length", "8");
            client.data(1, false, "test");
            settle(); // the request is on its way upstream, with 4 of its 8 bytes
            client.data(1, true, "te");
            Outcome o = client.outcome(1);
            assertThat(o.reset()).as("%s", o).isTrue();
            assertThat(o.errorCode()).isEqualTo(RawHttp2.PROTOCOL_ERROR);
            settle();
            assertThat(upstream.received()).as("no request reached the upstream").isEmpty();
            nextRequestArrivesIntact(client, 3);
        }
    }

    @Test
    void aBodyLongerThanItsContentLengthIsResetAndTheUpstreamGetsNoRequest() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(gateway.port())) {
            client.request(1, "POST", "/long", false, "content-length", "4");
            client.data(1, false, "test"); // all 4 declared bytes, but no END_STREAM
            settle();
            client.data(1, true, "POST /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
            Outcome o = client.outcome(1);
            assertThat(o.reset()).as("%s", o).isTrue();
            assertThat(o.errorCode()).isEqualTo(RawHttp2.PROTOCOL_ERROR);
            settle();
            assertThat(upstream.received()).as("neither the declared 4 bytes as a request nor the smuggled one").isEmpty();
            nextRequestArrivesIntact(client, 3);
        }
    }

    @Test
    void aMismatchInOneWriteIsResetBeforeTheUpstreamSeesARequest() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(gateway.port())) {
            client.request(1, "POST", "/one-write", false, "content-length", "1");
            client.data(1, true, "test");
            Outcome o = client.outcome(1);
            assertThat(o.errorCode()).as("%s", o).isEqualTo(RawHttp2.PROTOCOL_ERROR);
            settle();
            assertThat(upstream.received()).isEmpty();
            nextRequestArrivesIntact(client, 3);
        }
    }

    @ParameterizedTest(name = "without {0}")
    @ValueSource(strings = { ":method", ":scheme", ":path" })
    void requestHeadersWithoutAPseudoHeaderAreResetBeforeRouting(String omitted) throws Exception {
        String[] all = { ":method", "POST", ":scheme", "http", ":path", "/pseudo", ":authority", "localhost" };
        String[] fields = new String[6];
        for (int i = 0, j = 0; i < all.length; i += 2) {
            if (!all[i].equals(omitted)) {
                fields[j++] = all[i];
                fields[j++] = all[i + 1];
            }
        }
        try (RawHttp2 client = RawHttp2.connect(gateway.port())) {
            client.headers(1, true, fields);
            Outcome o = client.outcome(1);
            assertThat(o.reset()).as("%s", o).isTrue();
            assertThat(o.errorCode()).isEqualTo(RawHttp2.PROTOCOL_ERROR);
            settle();
            assertThat(upstream.received()).isEmpty();
            nextRequestArrivesIntact(client, 3);
        }
    }

    @Test
    void headersOnAStreamTheClientEndedCloseTheConnection() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(gateway.port())) {
            client.request(1, "GET", "/first", true);
            assertThat(client.outcome(1).status()).isEqualTo(200);
            client.request(1, "GET", "/again", true);
            Outcome o = client.outcome(1);
            assertThat(o.goAway()).as("%s", o).isTrue();
            assertThat(o.errorCode()).isEqualTo(RawHttp2.STREAM_CLOSED);
            assertThat(client.closedWithin(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(upstream.received()).extracting(EchoServer.Received::uri).containsExactly("/first");
    }

    @Test
    void headersOnASkippedStreamIdentifierCloseTheConnection() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(gateway.port())) {
            client.request(5, "GET", "/five", true);
            client.request(3, "GET", "/three", true);
            Outcome o = client.outcome(3);
            assertThat(o.goAway()).as("%s", o).isTrue();
            assertThat(o.errorCode()).isEqualTo(RawHttp2.PROTOCOL_ERROR);
            assertThat(client.closedWithin(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(upstream.received()).extracting(EchoServer.Received::uri).doesNotContain("/three");
    }

    @Test
    void wellFormedBodiesAreProxiedWhole() throws Exception {
        try (RawHttp2 client = RawHttp2.connect(gateway.port())) {
            // content-length, END_STREAM on the last DATA frame
            client.request(1, "POST", "/a", false, "content-length", "10");
            client.data(1, false, "hello");
            client.data(1, true, "world");
            // content-length, END_STREAM on an empty DATA frame after the body (held, then released)
            client.request(3, "POST", "/b", false, "content-length", "5");
            client.data(3, false, "hello");
            client.data(3, true, "");
            // no content-length: forwarded chunked
            client.request(5, "POST", "/c", false);
            client.data(5, false, "no ");
            client.data(5, true, "length");
            // content-length 0, END_STREAM after the HEADERS
            client.request(7, "POST", "/d", false, "content-length", "0");
            client.data(7, true, "");
            // a body, then trailers
            client.request(9, "POST", "/e", false, "content-length", "8");
            client.data(9, false, "trailers");
            client.headers(9, true, "x-checksum", "abc");
            for (int stream : new int[] { 1, 3, 5, 7, 9 }) {
                Outcome o = client.outcome(stream);
                assertThat(o.status()).as("stream %d: %s", stream, o).isEqualTo(200);
            }
        }
        assertThat(upstream.received()).extracting(r -> r.uri() + "=" + r.body())
                .containsExactlyInAnyOrder("/a=helloworld", "/b=hello", "/c=no length", "/d=", "/e=trailers");
    }

    @Test
    void aFirstLineThatIsNeitherTheHttp2PrefaceNorHttp1IsClosedWithoutAnAnswer() {
        assertThat(RawHttp.exchange(gateway.port(), "INVALID CONNECTION PREFACE\r\n\r\n", 3000))
                .as("no HTTP/1.1 answer to a client that did not speak HTTP/1.1").isEmpty();
        assertThat(RawHttp.exchange(gateway.port(), "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", 3000)).isEmpty();
        String http11 = RawHttp.exchange(gateway.port(), "GET /plain HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(http11)).as("HTTP/1.1 on the same port").isEqualTo(200);
        String malformed = RawHttp.exchange(gateway.port(), "GET /a b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(malformed)).as("a malformed HTTP/1.1 request still gets the codec's answer").isPositive();
    }
}
