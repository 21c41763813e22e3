package dev.isthmus.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.HttpProtocol;
import reactor.util.function.Tuples;

import dev.isthmus.deploy.TestCertificates;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;
import dev.isthmus.testsupport.H2spec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP/2 conformance suite h2spec, run as an outside client against the real gateway jar with
 * {@code server.http2.enabled=true} (what the chart turns on) and a catch-all route to a real
 * upstream: in clear text (h2c with prior knowledge, sharing the port with HTTP/1.1) and over TLS
 * (h2 by ALPN, a certificate from a Spring SSL bundle). Every case must pass; a failure lists the
 * cases by h2spec id ({@code h2spec http2/5.1/6} reruns one). The reports go to
 * {@code target/reliability/}; docs/reliability.md has the results before and after, and stock
 * Spring Cloud Gateway's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Http2ConformanceIT {

    static final Path REPORTS = Path.of("target/reliability");

    private Path h2spec;
    private EchoServer upstream;

    @BeforeAll
    void start() {
        h2spec = H2spec.require();
        upstream = EchoServer.start("h2spec-upstream");
    }

    @AfterAll
    void stop() {
        if (upstream != null) {
            upstream.close();
        }
    }

    private String routes() {
        return """
                routes:
                  - name: all
                    match: {path: {prefix: /}}
                    backends: [{url: "%s"}]
                """.formatted(upstream.url());
    }

    private static void assertConformant(H2spec.Result result, String listener, GatewayProcess gateway) {
        System.out.printf("[Http2ConformanceIT] %s: %d cases, %d failed %s%n", listener, result.tests(), result.failed().size(),
                result.failed());
        assertThat(result.failed()).as("h2spec cases failed on %s:\n%s", listener, result.output()).isEmpty();
        assertThat(result.tests()).as("h2spec v2.2.1 runs 145 cases").isEqualTo(145);
        assertThat(gateway.process().isAlive()).isTrue();
    }

    @Test
    void cleartextH2cPassesEveryCase() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(Map.of("server.http2.enabled", "true"), routes())) {
            H2spec.Result result = H2spec.run(h2spec, gateway.port(), false, REPORTS);
            assertConformant(result, "h2c", gateway);

            // and afterwards the gateway still proxies, over HTTP/2 and HTTP/1.1, with request bodies
            upstream.reset();
            var h2c = reactor.netty.http.client.HttpClient.create().protocol(HttpProtocol.H2C).post().uri(gateway.url() + "/after?q=1")
                    .send(ByteBufFlux.fromString(Mono.just("payload")))
                    .responseSingle((res, body) -> body.asString().defaultIfEmpty("").map(b -> Tuples.of(res.status().code(), res.version())))
                    .block(Duration.ofSeconds(15));
            assertThat(h2c.getT1()).isEqualTo(200);
            assertThat(h2c.getT2()).as("prior knowledge").isEqualTo(HttpVersion.valueOf("HTTP/2.0"));
            HttpResponse<String> h11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                    HttpRequest.newBuilder(URI.create(gateway.url() + "/h11")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(h11.statusCode()).isEqualTo(200);
            assertThat(upstream.received()).extracting(x -> x.uri() + " " + x.body()).containsExactly("/after?q=1 payload", "/h11 ");
        }
    }

    @Test
    void tlsH2PassesEveryCase() throws Exception {
        TestCertificates certs = TestCertificates.newCa();
        TestCertificates.Issued cert = certs.issue(List.of("localhost"), false, TestCertificates.KeyFormat.PKCS8);
        Path dir = Files.createTempDirectory("isthmus-h2spec-tls");
        Files.writeString(dir.resolve("tls.crt"), cert.certificatePem());
        Files.writeString(dir.resolve("tls.key"), cert.privateKeyPem());
        Map<String, String> properties = Map.of("server.http2.enabled", "true",
                "spring.ssl.bundle.pem.gateway.keystore.certificate", "file:" + dir.resolve("tls.crt"),
                "spring.ssl.bundle.pem.gateway.keystore.private-key", "file:" + dir.resolve("tls.key"),
                "server.ssl.bundle", "gateway",
                "management.server.ssl.enabled", "false"); // readiness probes stay plain HTTP, as in the chart
        try (GatewayProcess gateway = GatewayProcess.start(properties, routes())) {
            H2spec.Result result = H2spec.run(h2spec, gateway.port(), true, REPORTS);
            assertConformant(result, "TLS (h2 by ALPN)", gateway);
        }
    }
}
