package dev.isthmus.discovery.consul;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.model.SyncStatus;
import dev.isthmus.model.SyncStatus.State;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;

import static dev.isthmus.discovery.consul.ConsulTestSupport.sourceStatus;
import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS to the agent with Spring Cloud Consul's settings ({@code spring.cloud.consul.scheme=https},
 * {@code tls.key-store-path} for the CA, {@code tls.certificate-path} for the client certificate;
 * all five given, as Spring Cloud Consul's own client requires): mutual TLS works, and each way it
 * can be wrong is reported as a TLS failure.
 */
class ConsulTlsIT {

    static ConsulTlsAgent consul;

    @BeforeAll
    static void start() throws Exception {
        consul = ConsulTlsAgent.start();
    }

    @AfterAll
    static void stop() {
        if (consul != null) {
            consul.close();
        }
    }

    /** @param trustStore and @param clientKeyStore file names, or null for no TLS settings */
    private static GatewayApp gateway(EchoServer a, String scheme, String trustStore, String clientKeyStore) {
        new ConsulAgentApi(consul.httpUrl(), null).register("secure-1", "secure", "127.0.0.1", a.port(), List.of("isthmus.enable=true"), null);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("isthmus.consul.enabled", "true");
        p.put("isthmus.consul.min-backoff", "100ms");
        p.put("isthmus.consul.max-backoff", "1s");
        p.put("spring.cloud.consul.host", "127.0.0.1");
        p.put("spring.cloud.consul.port", String.valueOf(consul.httpsPort()));
        p.put("spring.cloud.consul.scheme", scheme);
        if (trustStore != null) {
            p.put("spring.cloud.consul.tls.key-store-instance-type", "PKCS12");
            p.put("spring.cloud.consul.tls.key-store-path", consul.file(trustStore).toString());
            p.put("spring.cloud.consul.tls.key-store-password", ConsulTlsAgent.PASSWORD);
            p.put("spring.cloud.consul.tls.certificate-path", consul.file(clientKeyStore).toString());
            p.put("spring.cloud.consul.tls.certificate-password", ConsulTlsAgent.PASSWORD);
        }
        return GatewayApp.start(null, p);
    }

    private static SyncStatus awaitError(GatewayApp gateway) {
        assertThat(Await.until(Duration.ofSeconds(10), () -> sourceStatus(gateway).lastError() != null)).isTrue();
        return sourceStatus(gateway);
    }

    private static String healthErrorKind(GatewayApp gateway) throws Exception {
        return new ObjectMapper().readTree(gateway.admin("/actuator/health/consulDiscovery").body()).at("/details/errorKind").asText();
    }

    @Test
    void mutualTlsWithTheAgentsCaAndAClientCertificateWorks() {
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, "https", "trust.p12", "client.p12")) {
            assertThat(Await.until(Duration.ofSeconds(10), () -> upstream(gateway.get("/secure/")).equals("a"))).isTrue();
            assertThat(sourceStatus(gateway).state()).isEqualTo(State.SYNCED);
            // the route verdict goes to Consul KV over the same mutual TLS; read back on the agent's plain port
            assertThat(Await.until(Duration.ofSeconds(10), () -> plainKv("isthmus/status/dc1/secure").contains("\"accepted\" : true"))).isTrue();
        }
    }

    private static String plainKv(String key) {
        try {
            var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(consul.httpUrl() + "/v1/kv/" + key + "?raw")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "";
        }
        catch (java.io.IOException e) {
            return "";
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    @Test
    void aClientCertificateTheAgentDoesNotTrustIsATlsFailure() throws Exception {
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, "https", "trust.p12", "other-client.p12")) {
            SyncStatus status = awaitError(gateway);
            assertThat(status.state()).isEqualTo(State.STARTING);
            // Under TLS 1.3 the agent refuses the certificate after the client has finished its handshake:
            // the client reads either the agent's alert (a TLS error) or only the connection closing.
            assertThat(status.lastError()).satisfiesAnyOf(e -> assertThat(e).startsWith("TLS: "),
                    e -> assertThat(e).startsWith("UNREACHABLE: ").contains("does not trust this gateway's client certificate"));
            assertThat(healthErrorKind(gateway)).isIn("tls", "unreachable");
            assertThat(gateway.get("/secure/").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void anAgentCertificateFromAnotherCaIsATlsFailure() throws Exception {
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, "https", "other-trust.p12", "client.p12")) {
            SyncStatus status = awaitError(gateway);
            assertThat(status.lastError()).startsWith("TLS: ").contains("SSLHandshakeException");
            assertThat(healthErrorKind(gateway)).isEqualTo("tls");
        }
    }

    @Test
    void plainHttpToTheHttpsPortIsATlsFailureNotAnEmptyCatalog() throws Exception {
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, "http", null, null)) {
            SyncStatus status = awaitError(gateway);
            assertThat(status.lastError()).startsWith("TLS: ").contains("spring.cloud.consul.scheme=https");
            assertThat(healthErrorKind(gateway)).isEqualTo("tls");
        }
    }
}
