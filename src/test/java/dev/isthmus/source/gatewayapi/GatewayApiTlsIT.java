package dev.isthmus.source.gatewayapi;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.tcp.SslProvider.GenericSslContextSpec;
import reactor.util.function.Tuple2;
import reactor.util.function.Tuples;

import dev.isthmus.config.IsthmusProperties;
import dev.isthmus.deploy.TestCertificates;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.TestNetwork;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gateway API HTTPS listeners with real TLS traffic, on a real kube-apiserver. The gateway is
 * configured as the chart configures a TLS release (docs/kubernetes.md "TLS: the certificates are
 * mounted"): the Secrets' PEM files laid out as the kubelet mounts them, served as SSL bundles
 * with SNI, and {@code isthmus.gateway-api.https-port}/{@code tls-secrets} naming those Secrets.
 * A Gateway's HTTPS listener referencing a served Secret is programmed and its HTTPRoute answers
 * over TLS with that Secret's certificate; a listener referencing a Secret the gateway does not
 * serve is ResolvedRefs=False InvalidCertificateRef, and the good listener keeps serving.
 */
class GatewayApiTlsIT {

    static final String NS = "gateway-api-tls-it";
    static final String CLASS = "isthmus-tls-it";
    static final String HOST = "www.example.com";
    static final String BROKEN_HOST = "broken.example.com";
    static final ObjectMapper JSON = new ObjectMapper();
    static final TestCertificates CERTS = TestCertificates.newCa();
    static KubeApiServer api;
    static KubernetesClient client;
    static EchoServer upstream;
    static GatewayApp gateway;
    static Path work;
    static TestCertificates.Issued defaultCert;
    static TestCertificates.Issued siteCert;

    @BeforeAll
    static void start() throws Exception {
        api = KubeApiServer.shared();
        client = api.client();
        KubeFixtures.installCrd(client); // the GatewayRoute source runs too (isthmus.kubernetes.enabled)
        GatewayApiFixtures.installCrds(client);
        KubeFixtures.createNamespace(client, NS);
        TestNetwork network = TestNetwork.shared();
        upstream = EchoServer.start("tls-web", network);
        client.resource(KubeFixtures.service(NS, "web", KubeFixtures.port("http", 8080))).serverSideApply();
        client.resource(KubeFixtures.slice(NS, "web-1", "web", List.of(KubeFixtures.slicePort("http", upstream.port())),
                List.of(KubeFixtures.endpoint(network.address(), true, false)))).serverSideApply();

        // the Secrets exist in the cluster (the chart's tls.defaultSecret and tls.certificates), the gateway never reads them:
        // their files are what the kubelet mounts, at <mountPath>/default and <mountPath>/sni-0 as the chart lays them out
        defaultCert = CERTS.issue(List.of("gateway.example.com"), false, TestCertificates.KeyFormat.PKCS8);
        siteCert = CERTS.issue(List.of(HOST), true, TestCertificates.KeyFormat.TRADITIONAL);
        work = Files.createTempDirectory("isthmus-gwapi-tls");
        Path defaultDir = mount("default", defaultCert);
        Path siteDir = mount("sni-0", siteCert);
        secret("gateway-tls", defaultCert);
        secret("site-tls", siteCert);
        secret("unserved-tls", CERTS.issue(List.of(BROKEN_HOST), false, TestCertificates.KeyFormat.PKCS8));

        client.resource(new GatewayClassBuilder().withNewMetadata().withName(CLASS).endMetadata().withNewSpec()
                .withControllerName(IsthmusProperties.GatewayApi.DEFAULT_CONTROLLER_NAME).endSpec().build()).serverSideApply();
        client.resource(new GatewayBuilder().withNewMetadata().withName("edge").withNamespace(NS).endMetadata().withNewSpec()
                .withGatewayClassName(CLASS)
                .addNewListener().withName("site").withPort(443).withProtocol("HTTPS").withHostname(HOST)
                .withNewTls().addNewCertificateRef().withName("site-tls").endCertificateRef().endTls().endListener()
                .addNewListener().withName("broken").withPort(443).withProtocol("HTTPS").withHostname(BROKEN_HOST)
                .withNewTls().addNewCertificateRef().withName("unserved-tls").endCertificateRef().endTls().endListener()
                .endSpec().build()).serverSideApply();
        route("site", "site", HOST);
        route("broken-site", "broken", BROKEN_HOST);

        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        props.put("isthmus.kubernetes.namespaces", NS);
        props.put("isthmus.kubernetes.lease-name", "gateway-api-tls-it");
        props.put("isthmus.kubernetes.lease-duration", "3s");
        props.put("isthmus.gateway-api.enabled", "true");
        props.put("isthmus.gateway-api.addresses", "203.0.113.9");
        // what the chart renders with tls.enabled (charts/isthmus/templates/_helpers.tpl): no plain HTTP, the https port,
        // the release namespace's Secrets, and the SSL bundles of their mounted files
        props.put("isthmus.gateway-api.http-port", "0");
        props.put("isthmus.gateway-api.https-port", "443");
        props.put("isthmus.gateway-api.tls-secrets[0]", NS + "/gateway-tls");
        props.put("isthmus.gateway-api.tls-secrets[1]", NS + "/site-tls");
        props.put("server.ssl.bundle", "default");
        props.put("server.ssl.server-name-bundles[0].server-name", HOST);
        props.put("server.ssl.server-name-bundles[0].bundle", "sni-0");
        props.put("management.server.ssl.enabled", "false");
        props.put("spring.ssl.bundle.pem.default.keystore.certificate", "file:" + defaultDir.resolve("tls.crt"));
        props.put("spring.ssl.bundle.pem.default.keystore.private-key", "file:" + defaultDir.resolve("tls.key"));
        props.put("spring.ssl.bundle.pem.sni-0.keystore.certificate", "file:" + siteDir.resolve("tls.crt"));
        props.put("spring.ssl.bundle.pem.sni-0.keystore.private-key", "file:" + siteDir.resolve("tls.key"));
        gateway = GatewayApp.start(null, props);
        assertThat(Await.until(Duration.ofSeconds(30), () -> gateway.bean(GatewayApiRouteSource.class).status().hasSynced()))
                .as("Gateway API source synced").isTrue();
    }

    static Path mount(String dir, TestCertificates.Issued cert) throws Exception {
        Path d = Files.createDirectories(work.resolve("tls").resolve(dir));
        Files.writeString(d.resolve("tls.crt"), cert.certificatePem());
        Files.writeString(d.resolve("tls.key"), cert.privateKeyPem());
        return d;
    }

    static void secret(String name, TestCertificates.Issued cert) {
        client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withType("kubernetes.io/tls")
                .addToStringData("tls.crt", cert.certificatePem()).addToStringData("tls.key", cert.privateKeyPem()).build()).serverSideApply();
    }

    static void route(String name, String section, String host) {
        client.resource(new HTTPRouteBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec()
                .addNewParentRef().withName("edge").withSectionName(section).endParentRef().withHostnames(host)
                .addNewRule().addNewMatch().withNewPath().withType("PathPrefix").withValue("/").endPath().endMatch()
                .addNewBackendRef().withName("web").withPort(8080).endBackendRef().endRule().endSpec().build()).serverSideApply();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        }
        finally {
            if (client != null) {
                client.namespaces().withName(NS).delete();
                client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class).withName(CLASS).delete();
            }
            if (upstream != null) {
                upstream.close();
            }
            if (work != null) {
                org.springframework.util.FileSystemUtils.deleteRecursively(work);
            }
        }
    }

    /** The leaf certificate the gateway presents for an SNI name, verified for that name as an HTTPS client does. */
    static X509Certificate presented(String serverName, boolean verifyName) throws Exception {
        try (SSLSocket socket = (SSLSocket) CERTS.clientContext().getSocketFactory().createSocket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(5000);
            SSLParameters p = socket.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(serverName)));
            if (verifyName) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            socket.setSSLParameters(p);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** A TLS request as a client of https://host/ makes it: every name resolves to 127.0.0.1, SNI and hostname verification for the name. */
    static Tuple2<Integer, String> get(String host, String path) {
        HttpClient c = HttpClient.create().resolver(spec -> spec.hostsFileEntriesResolver((h, types) -> {
            try {
                return InetAddress.getByAddress(h, new byte[] {127, 0, 0, 1});
            }
            catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        })).secure(spec -> spec.sslContext((GenericSslContextSpec<?>) Http11SslContextSpec.forClient()
                .configure(b -> b.trustManager(CERTS.ca()))));
        return c.get().uri("https://" + host + ":" + gateway.port() + path)
                .responseSingle((res, body) -> body.asString().defaultIfEmpty("").map(b -> Tuples.of(res.status().code(), b)))
                .block(Duration.ofSeconds(15));
    }

    static ListenerStatus listener(String name) {
        Gateway g = client.resources(Gateway.class).inNamespace(NS).withName("edge").get();
        if (g == null || g.getStatus() == null || g.getStatus().getListeners() == null) {
            return null;
        }
        return g.getStatus().getListeners().stream().filter(l -> l.getName().equals(name)).findFirst().orElse(null);
    }

    static Condition condition(ListenerStatus l, String type) {
        return l == null ? null : l.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElse(null);
    }

    static String summary(Condition c) {
        return c == null ? "absent" : c.getStatus() + " " + c.getReason();
    }

    @Test
    void theHttpsListenerServesItsRouteWithTheSecretsCertificate() throws Exception {
        assertThat(Await.until(Duration.ofSeconds(20), () -> {
            var r = get(HOST, "/hello?x=1");
            return r.getT1() == 200;
        })).as("the HTTPRoute answers over TLS").isTrue();
        var r = get(HOST, "/hello?x=1");
        JsonNode echoed = JSON.readTree(r.getT2());
        assertThat(echoed.path("server").asText()).as("the real upstream answered").isEqualTo("tls-web");
        assertThat(echoed.path("uri").asText()).isEqualTo("/hello?x=1");

        X509Certificate leaf = presented(HOST, true);
        assertThat(leaf.getSerialNumber()).as("the certificate of Secret site-tls for SNI " + HOST).isEqualTo(siteCert.serial());
        assertThat(presented("gateway.example.com", true).getSerialNumber()).as("the default certificate for other names")
                .isEqualTo(defaultCert.serial());

        assertThat(Await.until(Duration.ofSeconds(20), () -> "True Programmed".equals(summary(condition(listener("site"), "Programmed")))))
                .as("listener site Programmed=True, was %s", summary(condition(listener("site"), "Programmed"))).isTrue();
        ListenerStatus site = listener("site");
        assertThat(summary(condition(site, "ResolvedRefs"))).isEqualTo("True ResolvedRefs");
        assertThat(summary(condition(site, "Accepted"))).isEqualTo("True Accepted");
        assertThat(site.getAttachedRoutes()).isEqualTo(1);
        assertThat(Await.until(Duration.ofSeconds(20), () -> "True Accepted".equals(summary(parentCondition("site", "Accepted")))))
                .as("HTTPRoute site Accepted=True").isTrue();
    }

    @Test
    void aListenerNamingAnUnservedSecretIsInvalidCertificateRefAndTheOtherKeepsServing() throws Exception {
        assertThat(Await.until(Duration.ofSeconds(20), () -> "False InvalidCertificateRef".equals(summary(condition(listener("broken"),
                "ResolvedRefs"))))).as("listener broken ResolvedRefs=False InvalidCertificateRef, was %s",
                summary(condition(listener("broken"), "ResolvedRefs"))).isTrue();
        Condition refs = condition(listener("broken"), "ResolvedRefs");
        assertThat(refs.getMessage()).contains("unserved-tls").contains("not among the certificates");
        ListenerStatus broken = listener("broken");
        System.out.printf("[GatewayApiTlsIT] listener broken: Accepted %s, Programmed %s, attachedRoutes %d; route broken-site Accepted %s%n",
                summary(condition(broken, "Accepted")), summary(condition(broken, "Programmed")), broken.getAttachedRoutes(),
                summary(parentCondition("broken-site", "Accepted")));
        assertThat(summary(condition(broken, "Programmed"))).as("not programmed").startsWith("False");

        // the good listener keeps serving, over TLS with its certificate
        for (int i = 0; i < 5; i++) {
            assertThat(get(HOST, "/still").getT1()).isEqualTo(200);
        }
        assertThat(presented(HOST, true).getSerialNumber()).isEqualTo(siteCert.serial());
        assertThat(summary(condition(listener("site"), "ResolvedRefs"))).isEqualTo("True ResolvedRefs");
        // the broken listener's host is not served by its route: the gateway has no certificate for it (the default one is
        // presented, which is not valid for the name) and its route is not attached
        X509Certificate forBroken = presented(BROKEN_HOST, false);
        assertThat(forBroken.getSerialNumber()).as("no certificate of Secret unserved-tls is ever presented").isEqualTo(defaultCert.serial());
        int before = upstream.count();
        int status = plainHostOverTls(BROKEN_HOST);
        System.out.printf("[GatewayApiTlsIT] request for %s: %d; route broken-site Accepted message: %s%n", BROKEN_HOST, status,
                parentCondition("broken-site", "Accepted").getMessage());
        assertThat(status).as("a request for the broken listener's host reaches no upstream").isNotEqualTo(200);
        assertThat(upstream.count()).isEqualTo(before);
        assertThat(parentCondition("broken-site", "Accepted").getStatus()).as("its route is not accepted").isEqualTo("False");
    }

    /** Status of a request for a host over TLS to the default certificate (no hostname verification: it is not valid for the name). */
    static int plainHostOverTls(String host) throws Exception {
        try (SSLSocket socket = (SSLSocket) CERTS.clientContext().getSocketFactory().createSocket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(10000);
            SSLParameters p = socket.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(host)));
            socket.setSSLParameters(p);
            socket.getOutputStream().write(("GET /x HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }

    static Condition parentCondition(String route, String type) {
        HTTPRoute r = client.resources(HTTPRoute.class).inNamespace(NS).withName(route).get();
        if (r == null || r.getStatus() == null) {
            return null;
        }
        for (RouteParentStatus p : r.getStatus().getParents()) {
            for (Condition c : p.getConditions()) {
                if (type.equals(c.getType()) && IsthmusProperties.GatewayApi.DEFAULT_CONTROLLER_NAME.equals(p.getControllerName())) {
                    return c;
                }
            }
        }
        return null;
    }
}
