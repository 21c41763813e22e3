package dev.isthmus.runtime;

import java.io.IOException;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.deploy.TestCertificates;
import dev.isthmus.deploy.TestCertificates.Issued;
import dev.isthmus.deploy.TestCertificates.KeyFormat;
import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.TlsUpstream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upstream protocol and TLS declared where tenants declare routes, against the real servers: a VM's
 * Consul tags ({@code isthmus.protocol}, {@code isthmus.tls}, {@code isthmus.tls-server-name}),
 * verified with the gateway's own {@code isthmus.upstream.tls.*} trust and client certificate; and
 * a namespace's GatewayRoute with its CA and client certificate in Secrets of its own namespace,
 * rotated in the API server while the gateway runs.
 */
class UpstreamTlsRegistriesIT {

    @Test
    void consulTagsTurnOnTlsAndH2WithTheGatewaysOwnTrust() throws Exception {
        TestCertificates ca = TestCertificates.newCa();
        TestCertificates clientCa = TestCertificates.newCa();
        Issued server = ca.issue(List.of("ledger.service.consul"), false, KeyFormat.PKCS8);
        Issued client = clientCa.issueClient("isthmus-gateway", KeyFormat.PKCS8);
        Path dir = Files.createTempDirectory("consul-upstream-tls");
        Path caFile = Files.writeString(dir.resolve("ca.pem"), pem(ca));
        Path certFile = Files.writeString(dir.resolve("gw.pem"), client.certificatePem());
        Path keyFile = Files.writeString(dir.resolve("gw.key"), client.privateKeyPem());
        try (ConsulServer consul = ConsulServer.start();
                TlsUpstream mutual = TlsUpstream.tls(server.certificatePem(), server.privateKeyPem(), clientCa.ca());
                TlsUpstream clear = TlsUpstream.h2c();
                GatewayApp gw = GatewayApp.start(null, ConsulTestSupport.gatewayProperties(consul,
                        "isthmus.upstream.tls.ca-file", caFile.toString(),
                        "isthmus.upstream.tls.client-certificate-file", certFile.toString(),
                        "isthmus.upstream.tls.client-key-file", keyFile.toString()))) {
            consul.register("ledger-1", "ledger", "127.0.0.1", mutual.port(), List.of("isthmus.enable=true", "isthmus.protocol=h2",
                    "isthmus.tls-server-name=ledger.service.consul"), Map.of(), null);
            consul.register("orders-1", "orders", "127.0.0.1", clear.port(), List.of("isthmus.enable=true", "isthmus.protocol=h2c"),
                    Map.of(), null);
            // TLS on, no server name: the instance address is checked, and the certificate names no address
            consul.register("noname-1", "noname", "127.0.0.1", mutual.port(), List.of("isthmus.enable=true", "isthmus.tls=true"), Map.of(), null);
            consul.register("bad-1", "bad", "127.0.0.1", clear.port(), List.of("isthmus.enable=true", "isthmus.protocol=grpc"), Map.of(), null);

            assertThat(Await.until(Duration.ofSeconds(10), () -> gw.get("/ledger/x").statusCode() == 200)).isTrue();
            HttpResponse<String> ledger = gw.get("/ledger/x");
            assertThat(ledger.headers().firstValue("x-protocol")).hasValue("HTTP/2.0");
            assertThat(ledger.headers().firstValue("x-sni")).hasValue("ledger.service.consul");
            assertThat(ledger.headers().firstValue("x-client").orElseThrow()).as("the gateway-wide client certificate")
                    .startsWith("CN=isthmus-gateway");

            assertThat(Await.until(Duration.ofSeconds(10), () -> gw.get("/orders/x").statusCode() == 200)).isTrue();
            assertThat(gw.get("/orders/x").headers().firstValue("x-protocol")).hasValue("HTTP/2.0");

            int before = mutual.requests();
            assertThat(Await.until(Duration.ofSeconds(10), () -> gw.get("/noname/x").statusCode() == 502)).isTrue();
            assertThat(mutual.requests()).isEqualTo(before);

            assertThat(Await.until(Duration.ofSeconds(10), () -> ConsulTestSupport.routeStatus(gw, "consul/dc1/bad").isPresent())).isTrue();
            RouteStatus bad = ConsulTestSupport.routeStatus(gw, "consul/dc1/bad").orElseThrow();
            assertThat(bad.accepted()).isFalse();
            assertThat(bad.message()).contains("isthmus.protocol=grpc: expected http1, h2c or h2");
            assertThat(gw.get("/ledger/x").statusCode()).as("the bad service's route is rejected alone").isEqualTo(200);
        }
    }

    @Test
    void aGatewayRouteUsesSecretsOfItsOwnNamespaceAndFollowsTheirRotation() throws Exception {
        String ns = "upstream-tls";
        KubeApiServer api = KubeApiServer.shared();
        KubernetesClient kube = api.client();
        TestCertificates ca = TestCertificates.newCa();
        TestCertificates clientCa = TestCertificates.newCa();
        Issued server = ca.issue(List.of("payments.internal.test"), false, KeyFormat.PKCS8);
        try (TlsUpstream mutual = TlsUpstream.tls(server.certificatePem(), server.privateKeyPem(), clientCa.ca())) {
            KubeFixtures.installCrd(kube);
            KubeFixtures.createNamespace(kube, ns);
            Issued first = clientCa.issueClient("shop-one", KeyFormat.TRADITIONAL);
            kube.resource(new SecretBuilder().withNewMetadata().withName("payments-ca").withNamespace(ns).endMetadata()
                    .addToStringData("ca.crt", pem(ca)).build()).serverSideApply();
            kube.resource(new SecretBuilder().withNewMetadata().withName("gateway-client").withNamespace(ns).endMetadata()
                    .withType("kubernetes.io/tls").addToStringData("tls.crt", first.certificatePem())
                    .addToStringData("tls.key", first.privateKeyPem()).build()).serverSideApply();
            kube.resource(KubeFixtures.gatewayRoute(ns, "payments", "match: {path: {prefix: /payments}}\n"
                    + "backends: [{url: \"https://127.0.0.1:" + mutual.port() + "\", protocol: h2, tls: {caSecretRef: {name: payments-ca}, "
                    + "serverName: payments.internal.test, clientCertificate: {secretName: gateway-client}}}]\n")).serverSideApply();
            // the same backend with a CA Secret that does not exist: refused with the reason, never connected unverified
            kube.resource(KubeFixtures.gatewayRoute(ns, "missing", "match: {path: {prefix: /missing}}\n"
                    + "backends: [{url: \"https://127.0.0.1:" + mutual.port() + "\", tls: {caSecretRef: {name: nope}, "
                    + "serverName: payments.internal.test}}]\n")).serverSideApply();
            Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, ns));
            props.put("isthmus.kubernetes.lease-name", "upstream-tls-registries-it");
            props.put("isthmus.upstream.tls.reload-interval", "300ms");
            try (GatewayApp gw = GatewayApp.start("routes: []\n", props)) {
                assertThat(Await.until(Duration.ofSeconds(30), () -> gw.get("/payments").statusCode() == 200))
                        .as("the GatewayRoute served over TLS with its Secrets").isTrue();
                HttpResponse<String> r = gw.get("/payments");
                assertThat(r.headers().firstValue("x-client").orElseThrow()).startsWith("CN=shop-one");
                assertThat(r.headers().firstValue("x-protocol")).hasValue("HTTP/2.0");
                assertThat(gw.get("/missing").statusCode()).isEqualTo(502);
                assertThat(gw.admin("/actuator/upstreams").body()).contains("secret " + ns + "/nope not found");

                Issued second = clientCa.issueClient("shop-two", KeyFormat.PKCS8);
                kube.resource(new SecretBuilder().withNewMetadata().withName("gateway-client").withNamespace(ns).endMetadata()
                        .withType("kubernetes.io/tls").addToStringData("tls.crt", second.certificatePem())
                        .addToStringData("tls.key", second.privateKeyPem()).build()).serverSideApply();
                assertThat(Await.until(Duration.ofSeconds(10), () -> {
                    HttpResponse<String> now = gw.send(gw.request("/payments").header("connection", "close").build());
                    return now.statusCode() == 200 && now.headers().firstValue("x-client").orElse("").startsWith("CN=shop-two");
                })).as("the renewed Secret's certificate is presented without a restart").isTrue();
            }
        }
        finally {
            kube.namespaces().withName(ns).delete();
        }
    }

    private static String pem(TestCertificates c) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(w)) {
            writer.writeObject(c.ca());
        }
        return w.toString();
    }
}
