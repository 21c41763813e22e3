package dev.isthmus.runtime;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.deploy.TestCertificates;
import dev.isthmus.deploy.TestCertificates.Issued;
import dev.isthmus.deploy.TestCertificates.KeyFormat;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.TlsUpstream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-backend upstream protocol and TLS through the real gateway to real Reactor Netty upstreams on
 * loopback: the backend's own CA and server name (SNI, hostname check), h2 by ALPN, h2c with prior
 * knowledge, mutual TLS, certificates that do not verify (502, counted and named in
 * /actuator/upstreams), and CA and client certificate files rotated while the gateway runs.
 */
class UpstreamTlsIT {

    static final ObjectMapper JSON = new ObjectMapper();

    static TestCertificates ca;
    static TestCertificates otherCa;
    static TestCertificates clientCa;
    static TlsUpstream tls;
    static TlsUpstream http11Only;
    static TlsUpstream mutual;
    static TlsUpstream h2c;
    static Path dir;
    static Path caFile;
    static Path otherCaFile;
    static Path rotatingCa;
    static Path clientCert;
    static Path clientKey;
    static GatewayApp gateway;

    @BeforeAll
    static void start() throws IOException {
        ca = TestCertificates.newCa();
        otherCa = TestCertificates.newCa();
        clientCa = TestCertificates.newCa();
        Issued server = ca.issue(List.of("backend.test"), false, KeyFormat.PKCS8);
        tls = TlsUpstream.tls(server.certificatePem(), server.privateKeyPem(), null);
        http11Only = TlsUpstream.tlsHttp11(server.certificatePem(), server.privateKeyPem());
        mutual = TlsUpstream.tls(server.certificatePem(), server.privateKeyPem(), clientCa.ca());
        h2c = TlsUpstream.h2c();
        dir = Files.createTempDirectory("upstream-tls");
        caFile = write("ca.pem", pem(ca));
        otherCaFile = write("other-ca.pem", pem(otherCa));
        rotatingCa = write("rotating-ca.pem", pem(otherCa));
        Issued client = clientCa.issueClient("gateway-one", KeyFormat.TRADITIONAL);
        clientCert = write("client.pem", client.certificatePem());
        clientKey = write("client.key", client.privateKeyPem());
        String routes = """
                routes:
                  - name: verified
                    match: {path: {prefix: /verified/}}
                    backends: [{url: "https://127.0.0.1:$TLS", tls: {caFile: "$CA", serverName: backend.test}}]
                  - name: h2
                    match: {path: {prefix: /h2/}}
                    backends: [{url: "https://127.0.0.1:$TLS", protocol: h2, tls: {caFile: "$CA", serverName: backend.test}}]
                  - name: h2c
                    match: {path: {prefix: /h2c/}}
                    backends: [{url: "http://127.0.0.1:$H2C", protocol: h2c}]
                  - name: plain-to-h2c
                    match: {path: {prefix: /plain-to-h2c/}}
                    backends: [{url: "http://127.0.0.1:$H2C"}]
                  - name: h2-to-http11-only
                    match: {path: {prefix: /h2-to-http11-only/}}
                    backends: [{url: "https://127.0.0.1:$HTTP11", protocol: h2, tls: {caFile: "$CA", serverName: backend.test}}]
                  - name: wrong-ca
                    match: {path: {prefix: /wrong-ca/}}
                    backends: [{url: "https://127.0.0.1:$TLS", tls: {caFile: "$OTHER", serverName: backend.test}}]
                  - name: wrong-name
                    match: {path: {prefix: /wrong-name/}}
                    backends: [{url: "https://127.0.0.1:$TLS", tls: {caFile: "$CA", serverName: other.test}}]
                  - name: insecure
                    match: {path: {prefix: /insecure/}}
                    backends: [{url: "https://127.0.0.1:$TLS", tls: {insecureSkipVerify: true}}]
                  - name: missing-ca
                    match: {path: {prefix: /missing-ca/}}
                    backends: [{url: "https://127.0.0.1:$TLS", tls: {caFile: "$DIR/nope.pem", serverName: backend.test}}]
                  - name: rotating
                    match: {path: {prefix: /rotating/}}
                    backends: [{url: "https://127.0.0.1:$TLS", tls: {caFile: "$ROTATING", serverName: backend.test}}]
                  - name: mtls
                    match: {path: {prefix: /mtls/}}
                    backends: [{url: "https://127.0.0.1:$MTLS", protocol: h2, tls: {caFile: "$CA", serverName: backend.test, clientCertificate: {certFile: "$CERT", keyFile: "$KEY"}}}]
                  - name: mtls-without-certificate
                    match: {path: {prefix: /mtls-without-certificate/}}
                    backends: [{url: "https://127.0.0.1:$MTLS", tls: {caFile: "$CA", serverName: backend.test}}]
                """.replace("$TLS", String.valueOf(tls.port())).replace("$H2C", String.valueOf(h2c.port()))
                .replace("$HTTP11", String.valueOf(http11Only.port())).replace("$MTLS", String.valueOf(mutual.port()))
                .replace("$CA", caFile.toString()).replace("$OTHER", otherCaFile.toString()).replace("$ROTATING", rotatingCa.toString())
                .replace("$CERT", clientCert.toString()).replace("$KEY", clientKey.toString()).replace("$DIR", dir.toString());
        gateway = GatewayApp.start(routes, Map.of("isthmus.upstream.tls.reload-interval", "200ms"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] { gateway, tls, http11Only, mutual, h2c }) {
            try {
                if (c != null) {
                    c.close();
                }
            }
            catch (Exception e) {
                // best effort
            }
        }
    }

    @Test
    void verifiesTheBackendWithItsOwnCaAndServerName() {
        HttpResponse<String> r = gateway.get("/verified/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sni")).hasValue("backend.test");
        assertThat(r.headers().firstValue("x-protocol")).hasValue("HTTP/1.1");
        assertThat(r.headers().firstValue("x-client")).hasValue("-");
    }

    @Test
    void speaksH2ByAlpnAndH2cWithPriorKnowledge() {
        HttpResponse<String> h2 = gateway.get("/h2/x");
        assertThat(h2.statusCode()).isEqualTo(200);
        assertThat(h2.headers().firstValue("x-protocol")).hasValue("HTTP/2.0");
        assertThat(h2.headers().firstValue("x-sni")).hasValue("backend.test");

        HttpResponse<String> clear = gateway.get("/h2c/x");
        assertThat(clear.statusCode()).isEqualTo(200);
        assertThat(clear.headers().firstValue("x-protocol")).hasValue("HTTP/2.0");

        // the same h2c-only server through a plain http1 backend: its HTTP/1.1 request is not understood
        assertThat(gateway.get("/plain-to-h2c/x").statusCode()).isEqualTo(502);
        // h2 demanded of a server whose ALPN offers only http/1.1: refused, not silently downgraded
        assertThat(gateway.get("/h2-to-http11-only/x").statusCode()).isEqualTo(502);
    }

    @Test
    void aCertificateThatDoesNotVerifyIs502CountedAndNamed() throws Exception {
        int before = tls.requests();
        HttpResponse<String> wrongCa = gateway.get("/wrong-ca/x");
        assertThat(wrongCa.statusCode()).isEqualTo(502);
        // the reason is the operator's (below), not the client's: the body says only Bad Gateway
        assertThat(wrongCa.body()).doesNotContain("PKIX").doesNotContain("127.0.0.1:" + tls.port());
        HttpResponse<String> wrongName = gateway.get("/wrong-name/x");
        assertThat(wrongName.statusCode()).isEqualTo(502);
        assertThat(tls.requests()).as("no request reached the upstream over an unverified connection").isEqualTo(before);

        JsonNode wrongCaView = upstream("https://127.0.0.1:" + tls.port(), "wrong-ca");
        assertThat(wrongCaView.path("protocol").asText()).isEqualTo("http1");
        JsonNode t = wrongCaView.path("tls");
        assertThat(t.path("ca").asText()).isEqualTo("file " + otherCaFile);
        assertThat(t.path("serverName").asText()).isEqualTo("backend.test");
        assertThat(t.path("usable").asBoolean()).isTrue();
        assertThat(t.path("handshakeFailures").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(t.path("lastHandshakeFailure").asText()).startsWith("127.0.0.1:" + tls.port() + ": ").contains("signature check failed");
        JsonNode nameView = upstream("https://127.0.0.1:" + tls.port(), "wrong-name").path("tls");
        assertThat(nameView.path("lastHandshakeFailure").asText()).contains("the certificate is not for server name other.test (its DNS names: backend.test)");

        String prometheus = gateway.admin("/actuator/prometheus").body();
        assertThat(prometheus).containsPattern("isthmus_upstream_tls_handshake_failures_total\\{upstream=\"https://127.0.0.1:" + tls.port()
                + "\"\\} [1-9]");
        assertThat(prometheus).containsPattern("isthmus_requests_total\\{[^}]*reason=\"upstream_tls\"[^}]*\\} [1-9]");
    }

    @Test
    void skippingVerificationIsTheRoutesFilesChoice() throws Exception {
        HttpResponse<String> r = gateway.get("/insecure/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sni")).as("no server name for an address").hasValue("-");
        assertThat(upstream("https://127.0.0.1:" + tls.port(), "insecure").path("tls").path("ca").asText())
                .isEqualTo("none (insecureSkipVerify)");
    }

    @Test
    void aCaThatCannotBeReadAnswers502WithTheReasonAndNeverConnects() throws Exception {
        int before = tls.requests();
        HttpResponse<String> r = gateway.get("/missing-ca/x");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(tls.requests()).isEqualTo(before);
        JsonNode t = upstream("https://127.0.0.1:" + tls.port(), "missing-ca").path("tls");
        assertThat(t.path("usable").asBoolean()).isFalse();
        assertThat(t.path("problem").asText()).contains("nope.pem not found");
    }

    @Test
    void presentsItsClientCertificateWhenTheBackendAsks() {
        HttpResponse<String> r = gateway.get("/mtls/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-client").orElseThrow()).startsWith("CN=gateway-one");
        assertThat(r.headers().firstValue("x-protocol")).hasValue("HTTP/2.0");
        // the same backend without a client certificate: the handshake fails
        assertThat(gateway.get("/mtls-without-certificate/x").statusCode()).isEqualTo(502);
    }

    @Test
    void aRotatedCaAndClientCertificateApplyWithoutARestart() throws Exception {
        assertThat(gateway.get("/rotating/x").statusCode()).isEqualTo(502);
        Files.writeString(rotatingCa, pem(ca));
        assertThat(Await.until(Duration.ofSeconds(10), () -> gateway.get("/rotating/x").statusCode() == 200))
                .as("the right CA, written into the file, is used within the reload interval").isTrue();

        String first = gateway.get("/mtls/x").headers().firstValue("x-client").orElseThrow();
        Issued renewed = clientCa.issueClient("gateway-two", KeyFormat.PKCS8);
        // key first, then certificate: in between, a pair that does not match keeps the last good context
        Files.writeString(clientKey, renewed.privateKeyPem());
        Files.writeString(clientCert, renewed.certificatePem());
        assertThat(Await.until(Duration.ofSeconds(10), () -> {
            // a new connection each time: the pool would keep one made with the old certificate
            HttpResponse<String> r = gateway.send(gateway.request("/mtls/x").header("connection", "close").build());
            return r.statusCode() == 200 && r.headers().firstValue("x-client").orElse("").startsWith("CN=gateway-two");
        })).as("renewed client certificate presented to new connections (was: %s)", first).isTrue();
    }

    /** The /actuator/upstreams entry of the backend used by this route. */
    private static JsonNode upstream(String backend, String route) throws Exception {
        JsonNode report = JSON.readTree(gateway.admin("/actuator/upstreams").body());
        for (JsonNode u : report.path("upstreams")) {
            if (u.path("backend").asText().equals(backend)) {
                for (JsonNode r : u.path("routes")) {
                    if (r.asText().endsWith("/" + route)) {
                        return u;
                    }
                }
            }
        }
        throw new AssertionError("no upstream " + backend + " for route " + route + " in " + report);
    }

    private static String pem(TestCertificates c) {
        try {
            var w = new java.io.StringWriter();
            try (var writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(w)) {
                writer.writeObject(c.ca());
            }
            return w.toString();
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
