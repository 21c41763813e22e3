package dev.isthmus.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request body limits and per-route compression through a real gateway to a real upstream, with curl (the
 * user's own tool) for HTTP/1.1 and Reactor Netty's client for h2c without Content-Length.
 */
class RequestLimitsIT {

    static final String ROUTES = """
            routes:
              - name: default
                match: {path: {prefix: /default/}}
                backends: [{url: "$A"}]
              - name: small
                match: {path: {prefix: /small/}}
                maxRequestBody: 1KB
                backends: [{url: "$A"}]
              - name: big
                match: {path: {prefix: /big/}}
                maxRequestBody: 1MB
                backends: [{url: "$A"}]
              - name: retried
                match: {path: {prefix: /retried/}}
                maxRequestBody: 1KB
                retries: {attempts: 3, "on": [5xx], methods: [POST]}
                backends: [{url: "$A"}]
              - name: mirrored
                match: {path: {prefix: /mirrored/}}
                maxRequestBody: 1KB
                mirror: {url: "$S", percent: 100}
                backends: [{url: "$A"}]
              - name: gz
                match: {path: {prefix: /gz/}}
                compression: true
                backends: [{url: "$A"}]
            """;

    static EchoServer upstream;
    static EchoServer shadow;
    static GatewayApp gateway;
    static Path dir;

    @BeforeAll
    static void start() throws IOException {
        upstream = EchoServer.start("a");
        shadow = EchoServer.start("shadow");
        // a gateway default of 64KB, so that a test body of some 100KB is over it and under the big route's 1MB
        gateway = GatewayApp.start(ROUTES.replace("$A", upstream.url()).replace("$S", shadow.url()), Map.of("isthmus.routes.max-request-body", "64KB",
                "server.http2.enabled", "true")); // h2c with prior knowledge, as the chart turns it on
        dir = Files.createTempDirectory("limits");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
        shadow.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    @Test
    void contentLengthOverTheRouteLimitIs413AndTheUpstreamIsNeverContacted() throws Exception {
        int connections = upstream.connectionsOpened();
        Curl r = curl("--data-binary", "@" + file("over", 2048), url("/small/x"));
        assertThat(r.status).isEqualTo(413);
        assertThat(r.body).isEqualTo("Payload Too Large: request body larger than this route's limit of 1024 bytes\n");
        assertThat(upstream.count()).isZero();
        assertThat(upstream.connectionsOpened()).as("no upstream connection opened").isEqualTo(connections);
    }

    @Test
    void underTheLimitPassesWithItsBodyIntact() throws Exception {
        String body = "x".repeat(1000);
        Curl r = curl("--data-binary", "@" + file("under", body), url("/small/x"));
        assertThat(r.status).isEqualTo(200);
        assertThat(upstream.count()).isEqualTo(1);
        assertThat(upstream.last().body()).isEqualTo(body);
    }

    @Test
    void chunkedOverTheLimitIs413AndTheUpstreamGetsNoCompleteRequest() throws Exception {
        Curl r = curl("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file("chunked", 200_000), url("/default/x"));
        assertThat(r.status).isEqualTo(413);
        assertThat(r.body).startsWith("Payload Too Large: ");
        Thread.sleep(300); // what the upstream would have received by now, it has
        assertThat(upstream.count()).as("complete requests at the upstream").isZero();
    }

    @Test
    void chunkedUnderTheLimitPassesIntact() throws Exception {
        String body = "y".repeat(50_000);
        Curl r = curl("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file("chunked-under", body), url("/default/x"));
        assertThat(r.status).isEqualTo(200);
        assertThat(upstream.last().body()).isEqualTo(body);
        assertThat(upstream.last().header("content-length")).isNull();
    }

    @Test
    void anAbortedUploadIsNotRetried() throws Exception {
        Curl r = curl("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file("retried", 100_000), url("/retried/x"));
        assertThat(r.status).isEqualTo(413);
        Thread.sleep(300);
        assertThat(upstream.count()).isZero();
        Curl ok = curl("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file("retried-ok", 900), url("/retried/x"));
        assertThat(ok.status).isEqualTo(200);
        assertThat(upstream.count()).isEqualTo(1);
    }

    @Test
    void aMirroredRouteSendsAnOverLimitBodyNowhere() throws Exception {
        shadow.reset();
        Curl r = curl("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file("mirrored", 100_000), url("/mirrored/x"));
        assertThat(r.status).isEqualTo(413);
        Thread.sleep(300);
        assertThat(upstream.count()).isZero();
        assertThat(shadow.count()).isZero();
        assertThat(curl("--data-binary", "@" + file("mirrored-ok", 500), url("/mirrored/x")).status).isEqualTo(200);
        assertThat(upstream.last().body()).hasSize(500);
        for (int i = 0; i < 40 && shadow.count() == 0; i++) {
            Thread.sleep(50); // the mirror copy is sent on the side
        }
        assertThat(shadow.count()).as("the mirror works on this route").isEqualTo(1);
    }

    @Test
    void theRouteLimitBeatsTheGatewayDefault() throws Exception {
        Path body = file("override", 100_000);
        assertThat(curl("--data-binary", "@" + body, url("/default/x")).status).isEqualTo(413);
        assertThat(curl("--data-binary", "@" + body, url("/big/x")).status).isEqualTo(200);
        assertThat(upstream.count()).isEqualTo(1);
        assertThat(upstream.last().body()).hasSize(100_000);
    }

    @Test
    void h2cWithoutContentLengthOverTheLimitIs413() throws Exception {
        HttpClient h2c = HttpClient.create().protocol(HttpProtocol.H2C).responseTimeout(Duration.ofSeconds(10));
        // a streamed body: Reactor Netty sends it without Content-Length
        Flux<io.netty.buffer.ByteBuf> chunks = Flux.range(0, 20).map(i -> Unpooled.wrappedBuffer(new byte[512]));
        var over = h2c.post().uri(url("/small/x")).send(chunks)
                .responseSingle((res, content) -> content.asString().defaultIfEmpty("")
                        .map(b -> List.of(String.valueOf(res.status().code()), res.version().text(), b, String.valueOf(res.requestHeaders()
                                .contains("content-length")))))
                .block(Duration.ofSeconds(15));
        assertThat(over.get(0)).isEqualTo("413");
        assertThat(over.get(1)).isEqualTo("HTTP/2.0");
        assertThat(over.get(2)).startsWith("Payload Too Large: ");
        assertThat(over.get(3)).as("request sent with Content-Length").isEqualTo("false");
        assertThat(upstream.count()).isZero();

        var under = h2c.post().uri(url("/small/x")).send(Flux.range(0, 2).map(i -> Unpooled.wrappedBuffer("z".repeat(400).getBytes())))
                .responseSingle((res, content) -> content.asString().map(b -> res.status().code() + " " + b)).block(Duration.ofSeconds(15));
        assertThat(under).startsWith("200 ");
        assertThat(upstream.last().body()).isEqualTo("z".repeat(800));

        // curl over h2c: with Content-Length (answered at once), and streamed from stdin-like upload (-T: no length)
        upstream.reset();
        Path over2k = file("h2-over", 2048);
        Curl withLength = curl("--http2-prior-knowledge", "-D", "-", "--data-binary", "@" + over2k, url("/small/x"));
        assertThat(withLength.status).isEqualTo(413);
        assertThat(withLength.headers).startsWith("HTTP/2 413");
        Curl streamed = curl("--http2-prior-knowledge", "-X", "POST", "-H", "Content-Length:", "-T", over2k.toString(), url("/small/x"));
        assertThat(streamed.status).isEqualTo(413);
        assertThat(upstream.count()).isZero();
    }

    /** What a client uploads before its 413, with curl's own counters (printed: the figures in the task report). */
    @Test
    void aLargeUploadIsCutShort() throws Exception {
        Path big = dir.resolve("20m");
        Files.write(big, new byte[20 << 20]);
        for (String[] mode : new String[][] { { "content-length" }, { "chunked", "-H", "Transfer-Encoding: chunked" } }) {
            List<String> args = new ArrayList<>(List.of(mode).subList(1, mode.length));
            args.addAll(List.of("--data-binary", "@" + big, url("/small/x")));
            Curl r = curl(args.toArray(String[]::new));
            System.out.println("413 figures, " + mode[0] + ", 20MB body, 1KB limit: status=" + r.status + " uploaded=" + r.uploaded
                    + " bytes in " + r.seconds + " s");
            assertThat(r.status).isEqualTo(413);
        }
        assertThat(upstream.count()).isZero();
    }

    @Test
    void tooLargeIsCountedPerRoute() throws Exception {
        curl("--data-binary", "@" + file("metric", 4096), url("/small/x"));
        String scrape = gateway.admin("/actuator/prometheus").body();
        assertThat(scrape).containsPattern("isthmus_requests_total\\{code=\"4xx\",reason=\"body_too_large\",route=\"file/small\"} [1-9]");
    }

    @Test
    void compressionOnGzipsAndDecodesToTheOriginal() throws Exception {
        // the upstream echoes the request body: a 5000-byte body makes a response over the 1KB minimum
        String big = "q".repeat(5000);
        Path body = file("response", big);
        Curl gz = curl("-H", "Accept-Encoding: gzip", "-D", "-", "--data-binary", "@" + body, url("/gz/x"));
        assertThat(gz.status).isEqualTo(200);
        assertThat(gz.headers.toLowerCase()).contains("content-encoding: gzip");
        byte[] raw = gz.raw;
        String decoded = new String(new GZIPInputStream(new ByteArrayInputStream(raw)).readAllBytes(), StandardCharsets.UTF_8);
        assertThat(decoded).contains("\"body\":\"" + big + "\"");
        System.out.println("gzip figures: " + decoded.length() + " bytes -> " + raw.length + " bytes on the wire");
        assertThat(raw.length).isLessThan(decoded.length() / 4);
        // curl's own decoding gives the same echo (its Accept-Encoding, echoed too, lists more codings)
        Curl decodedByCurl = curl("--compressed", "-D", "-", "--data-binary", "@" + body, url("/gz/x"));
        assertThat(decodedByCurl.headers.toLowerCase()).contains("content-encoding: gzip");
        assertThat(decodedByCurl.body).contains("\"body\":\"" + big + "\"");
        // no Accept-Encoding: identity
        Curl identity = curl("-D", "-", "--data-binary", "@" + body, url("/gz/x"));
        assertThat(identity.headers.toLowerCase()).doesNotContain("content-encoding");
        assertThat(identity.body).isEqualTo(decoded.replace("\"Accept-Encoding\":\"gzip\",", ""));
    }

    @Test
    void compressionOffOrSmallResponsesStayIdentity() throws Exception {
        Curl off = curl("-H", "Accept-Encoding: gzip", "-D", "-", "--data-binary", "@" + file("off", "q".repeat(5000)), url("/default/x"));
        assertThat(off.status).isEqualTo(200);
        assertThat(off.headers.toLowerCase()).doesNotContain("content-encoding");
        assertThat(off.body).contains("qqqq");
        Curl small = curl("-H", "Accept-Encoding: gzip", "-D", "-", url("/gz/s")); // the echo of a GET: some 400 bytes
        assertThat(small.status).isEqualTo(200);
        assertThat(small.headers.toLowerCase()).as("a response under 1KB").doesNotContain("content-encoding");
    }

    static String url(String path) {
        return gateway.url() + path;
    }

    static Path file(String name, int size) throws IOException {
        return file(name, "b".repeat(size));
    }

    static Path file(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    record Curl(int status, String headers, String body, byte[] raw, long uploaded, double seconds) {
    }

    /** curl's answer: status, the headers (with -D -), the body. */
    static Curl curl(String... args) throws Exception {
        Path out = Files.createTempFile(dir, "body", ".out");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-o", out.toString(), "-w", "\n%{size_upload} %{time_total} %{http_code}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        p.getInputStream().transferTo(stdout);
        p.waitFor();
        String text = stdout.toString(StandardCharsets.ISO_8859_1).strip();
        int nl = text.lastIndexOf('\n');
        String[] counters = text.substring(nl + 1).trim().split(" "); // uploaded bytes, seconds, status
        String headers = nl < 0 ? "" : text.substring(0, nl);
        byte[] raw = Files.readAllBytes(out);
        return new Curl(Integer.parseInt(counters[2]), headers, new String(raw, StandardCharsets.UTF_8), raw, Long.parseLong(counters[0]),
                Double.parseDouble(counters[1]));
    }
}
