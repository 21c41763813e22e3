package dev.isthmus.deploy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.tcp.SslProvider.GenericSslContextSpec;
import reactor.util.function.Tuple3;
import reactor.util.function.Tuples;

import dev.isthmus.testsupport.EchoServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS on the gateway port as the chart configures it: the application.yaml rendered by
 * {@code helm template} with TLS values, certificate Secrets laid out the way the kubelet mounts
 * them, and the real gateway jar. A real TLS client checks which certificate each SNI name gets
 * (with hostname verification), HTTP/2 negotiated by ALPN, the HTTP to HTTPS redirect listener,
 * and certificate rotation without a restart: one Secret updated the kubelet's way (atomic
 * {@code ..data} swap), the default certificate's PEM files overwritten in place.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsIT {

    /** spring.ssl.bundle.watch.file.quiet-period for this test (chart value tls.reloadQuietPeriod). */
    static final Duration QUIET_PERIOD = Duration.ofSeconds(1);

    private final TestCertificates certs = TestCertificates.newCa();
    private int httpsPort;
    private int redirectPort;
    private Path work;
    private EchoServer upstream;
    private LaunchedGateway gateway;
    private Manifests manifests;
    private SecretVolume defaultSecret;
    private SecretVolume apiSecret;
    private TestCertificates.Issued defaultCert;
    private TestCertificates.Issued apiCert;
    private TestCertificates.Issued shopCert;

    @BeforeAll
    void startGatewayWithTheChartsTlsConfiguration() throws Exception {
        Helm helm = Helm.require();
        work = Files.createTempDirectory("isthmus-tls");
        upstream = EchoServer.start("tls-upstream");
        Path values = work.resolve("values.yaml");
        Files.writeString(values, """
                tls:
                  enabled: true
                  defaultSecret: gateway-tls
                  certificates:
                    - secretName: api-tls
                      serverNames: [api.example.com]
                    - secretName: shop-tls
                      serverNames: [shop.example.com, www.shop.example.com]
                  mountPath: %1$s/tls
                  reloadQuietPeriod: %2$ds
                configMountPath: %1$s/config
                routes:
                  file:
                    enabled: true
                    mountPath: %1$s/routes
                    content: |
                      routes:
                        - name: echo
                          match: {path: {prefix: /echo/}}
                          rewrite: {prefix: /}
                          backends: [{url: "%3$s"}]
                isthmus:
                  kubernetes:
                    enabled: false
                """.formatted(work, QUIET_PERIOD.toSeconds(), upstream.url()));
        manifests = Manifests.parse(helm.template("isthmus", "tls", List.of(values), Map.of()).orFail("helm template").output());
        ChartInvariants.check(manifests);

        // the volumes, as the kubelet projects them
        SecretVolume.create(work.resolve("config"), Map.of("application.yaml", manifests.applicationYaml()));
        SecretVolume.create(work.resolve("routes"), Map.of("routes.yaml",
                manifests.one("ConfigMap", "isthmus-routes").path("data").path("routes.yaml").asText()));
        defaultCert = certs.issue(List.of("gateway.example.com"), false, TestCertificates.KeyFormat.PKCS8);
        apiCert = certs.issue(List.of("api.example.com"), false, TestCertificates.KeyFormat.TRADITIONAL);
        shopCert = certs.issue(List.of("shop.example.com", "www.shop.example.com"), true, TestCertificates.KeyFormat.TRADITIONAL);
        defaultSecret = SecretVolume.create(work.resolve("tls/default"), tlsFiles(defaultCert));
        apiSecret = SecretVolume.create(work.resolve("tls/sni-0"), tlsFiles(apiCert));
        SecretVolume.create(work.resolve("tls/sni-1"), tlsFiles(shopCert));

        String configLocation = manifests.env("SPRING_CONFIG_ADDITIONAL_LOCATION").orElseThrow().path("value").asText();
        assertThat(configLocation).isEqualTo("file:" + work.resolve("config") + "/");
        // the chart's configuration, with the ports moved to free ones for this machine
        gateway = LaunchedGateway.start(ports -> List.of(LaunchedGateway.java(), "-Xmx384m", "-jar", LaunchedGateway.jar().toString(),
                "--server.port=" + ports.gateway(), "--management.server.port=" + ports.management(),
                "--isthmus.http-redirect.port=" + ports.redirect()), Map.of("SPRING_CONFIG_ADDITIONAL_LOCATION", configLocation),
                Files.createDirectories(work.resolve("run")));
        httpsPort = gateway.ports().gateway();
        redirectPort = gateway.ports().redirect();
    }

    @AfterAll
    void stop() throws Exception {
        // each step even if an earlier one fails (the echo server's close can time out under load)
        try {
            if (gateway != null) {
                gateway.close();
            }
        }
        finally {
            try {
                if (upstream != null) {
                    upstream.close();
                }
            }
            finally {
                if (work != null) {
                    Helm.deleteTree(work);
                }
            }
        }
    }

    private static Map<String, String> tlsFiles(TestCertificates.Issued issued) {
        return Map.of("tls.crt", issued.certificatePem(), "tls.key", issued.privateKeyPem());
    }

    /**
     * The certificate the gateway presents for an SNI name (null: no SNI), the ALPN choice and the
     * TLS version. Names the gateway has a certificate for are verified against it (as an HTTPS
     * client would); others can only get the default certificate, which is not valid for them.
     */
    private Tuple3<X509Certificate, String, String> handshake(String serverName, String... alpn) throws Exception {
        try (SSLSocket socket = (SSLSocket) certs.clientContext().getSocketFactory().createSocket("127.0.0.1", httpsPort)) {
            socket.setSoTimeout(5000);
            SSLParameters p = socket.getSSLParameters();
            if (serverName != null) {
                p.setServerNames(List.of(new SNIHostName(serverName)));
                if (!serverName.endsWith(".example.org")) {
                    p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must be valid for that name
                }
            }
            p.setApplicationProtocols(alpn.length == 0 ? new String[] {"http/1.1"} : alpn);
            socket.setSSLParameters(p);
            socket.startHandshake();
            X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            return Tuples.of(leaf, socket.getApplicationProtocol(), socket.getSession().getProtocol());
        }
    }

    private BigInteger servedSerial(String serverName) throws Exception {
        return handshake(serverName).getT1().getSerialNumber();
    }

    /**
     * A reactor-netty client for which every host name resolves to this machine, so it connects
     * as a client of https://api.example.com would: SNI and hostname verification for that name.
     */
    private HttpClient client(HttpProtocol protocol) {
        HttpClient c = HttpClient.create().protocol(protocol).resolver(spec -> spec.hostsFileEntriesResolver((host, types) -> {
            try {
                return InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1});
            }
            catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }));
        return protocol == HttpProtocol.H2
                ? c.secure(spec -> spec.sslContext((GenericSslContextSpec<?>) Http2SslContextSpec.forClient().configure(b -> b.trustManager(certs.ca()))))
                : c.secure(spec -> spec.sslContext((GenericSslContextSpec<?>) Http11SslContextSpec.forClient().configure(b -> b.trustManager(certs.ca()))));
    }

    private Tuple3<Integer, HttpVersion, String> get(String serverName, HttpProtocol protocol, String path) {
        return client(protocol).get().uri("https://" + serverName + ":" + httpsPort + path)
                .responseSingle((res, body) -> body.asString().defaultIfEmpty("").map(b -> Tuples.of(res.status().code(), res.version(), b)))
                .block(Duration.ofSeconds(15));
    }

    @Test
    @Order(1)
    void eachServerNameGetsItsCertificateAndOthersTheDefault() throws Exception {
        assertThat(servedSerial("api.example.com")).isEqualTo(apiCert.serial());
        assertThat(servedSerial("shop.example.com")).isEqualTo(shopCert.serial());
        assertThat(servedSerial("www.shop.example.com")).as("a second name of the same certificate").isEqualTo(shopCert.serial());
        assertThat(servedSerial("gateway.example.com")).isEqualTo(defaultCert.serial());
        assertThat(handshake("unknown.example.org").getT1().getSerialNumber()).as("names without a certificate get the default")
                .isEqualTo(defaultCert.serial());
        assertThat(servedSerial(null)).as("clients that send no SNI get the default").isEqualTo(defaultCert.serial());
        assertThat(handshake("shop.example.com").getT1().getPublicKey().getAlgorithm()).as("RSA and EC keys alike").isEqualTo("RSA");
    }

    @Test
    @Order(2)
    void negotiatesHttp2OverTlsByAlpnAndStillServesHttp11() throws Exception {
        var alpn = handshake("api.example.com", "h2", "http/1.1");
        assertThat(alpn.getT2()).as("ALPN").isEqualTo("h2");
        assertThat(alpn.getT3()).startsWith("TLSv1.");
        assertThat(handshake("api.example.com", "http/1.1").getT2()).isEqualTo("http/1.1");

        var h2 = get("api.example.com", HttpProtocol.H2, "/echo/over-h2?x=1");
        assertThat(h2.getT1()).isEqualTo(200);
        assertThat(h2.getT2()).isEqualTo(HttpVersion.valueOf("HTTP/2.0"));
        JsonNode echoed = Manifests.YAML.readTree(h2.getT3());
        assertThat(echoed.path("server").asText()).isEqualTo("tls-upstream");
        assertThat(echoed.path("uri").asText()).isEqualTo("/over-h2?x=1");

        var h11 = get("shop.example.com", HttpProtocol.HTTP11, "/echo/over-h1");
        assertThat(h11.getT1()).isEqualTo(200);
        assertThat(h11.getT2()).isEqualTo(HttpVersion.HTTP_1_1);
    }

    @Test
    @Order(3)
    void plainHttpPortRedirectsToHttpsAndTheAdminPortStaysPlain() throws Exception {
        var http = java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + redirectPort + "/echo/a%20b?q=1"))
                .header("Host", "api.example.com").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(manifests.applicationConfig().path("isthmus").path("http-redirect").path("status").asInt())
                .isEqualTo(308);
        // the chart puts the Service's https port (443) in the Location: clients come back through the load balancer
        assertThat(r.headers().firstValue("Location")).hasValue("https://api.example.com/echo/a%20b?q=1");
        assertThat(upstream.received()).as("nothing proxied from the plain port").noneMatch(req -> req.uri().contains("a%20b"));

        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + "/actuator/health/readiness"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as("probes keep plain HTTP on the admin port").isEqualTo(200);
    }

    @Test
    @Order(4)
    void rotatedCertificatesAreServedWithoutARestart() throws Exception {
        long pid = gateway.process().pid();
        TestCertificates.Issued newApi = certs.issue(List.of("api.example.com"), false, TestCertificates.KeyFormat.TRADITIONAL);
        TestCertificates.Issued newDefault = certs.issue(List.of("gateway.example.com"), false, TestCertificates.KeyFormat.PKCS8);

        // a Secret update, the way the kubelet applies it: new files, then an atomic swap of ..data
        apiSecret.update(tlsFiles(newApi));
        Duration apiLatency = awaitServed("api.example.com", newApi.serial());

        // PEM files overwritten in place (certbot or an operator on a VM): certificate, then key
        Files.writeString(defaultSecret.dir().resolve("tls.crt"), newDefault.certificatePem());
        Files.writeString(defaultSecret.dir().resolve("tls.key"), newDefault.privateKeyPem());
        Duration defaultLatency = awaitServed(null, newDefault.serial());

        System.out.printf("[TlsIT] certificate reload latency with quiet period %s: Secret swap %d ms, in-place overwrite %d ms%n",
                QUIET_PERIOD, apiLatency.toMillis(), defaultLatency.toMillis());
        assertThat(apiLatency).as("within the reload window").isLessThan(QUIET_PERIOD.plusSeconds(10));
        assertThat(defaultLatency).isLessThan(QUIET_PERIOD.plusSeconds(10));
        assertThat(apiLatency).as("not before the quiet period").isGreaterThanOrEqualTo(QUIET_PERIOD);

        assertThat(servedSerial("api.example.com")).isEqualTo(newApi.serial());
        assertThat(servedSerial("unknown.example.org")).as("the new default for names without a certificate").isEqualTo(newDefault.serial());
        assertThat(servedSerial("shop.example.com")).as("untouched certificates stay").isEqualTo(shopCert.serial());
        assertThat(handshake("api.example.com", "h2", "http/1.1").getT2()).as("HTTP/2 survives the reload").isEqualTo("h2");
        assertThat(get("api.example.com", HttpProtocol.H2, "/echo/after-rotation").getT1()).isEqualTo(200);

        assertThat(gateway.process().isAlive()).isTrue();
        assertThat(gateway.process().pid()).as("same process: no restart").isEqualTo(pid);
        assertThat(gateway.log().lines().filter(l -> l.contains("Started IsthmusApplication")).count()).as("started once").isEqualTo(1);
    }

    /** Polls with fresh handshakes until the certificate is served; returns how long that took from the change. */
    private Duration awaitServed(String serverName, BigInteger serial) throws Exception {
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (servedSerial(serverName).equals(serial)) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("certificate " + serial + " not served for " + serverName + " within 30 s:\n" + gateway.logTail());
    }
}
