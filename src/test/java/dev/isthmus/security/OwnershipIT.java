package dev.isthmus.security;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.RealInfra;
import dev.isthmus.testsupport.TestNetwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Route ownership against the real servers (a real kube-apiserver, a real Consul agent, real
 * upstreams; the victim's upstream in a network namespace the test creates): a tenant namespace and
 * a VM try to take a host another owner serves (same path, a longer path, '/', the highest
 * precedence, out-of-range precedence, a host-less catch-all) while a client loop sends the
 * victim's traffic, which must see 0 errors; confused-deputy attempts (url: to loopback by
 * literal and by DNS name, a Consul registration and a hand-written EndpointSlice pointing at a
 * loopback listener) connect nowhere, proved by a listener that counts connections; a
 * cross-namespace reference works only while a ReferenceGrant allows it; a tenant over its quota
 * is rejected alone. The product's defaults apply (loopback denied to tenants), unlike the other
 * tests' gateways.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OwnershipIT {

    static final String VICTIM = "own-victim";
    static final String EVIL = "own-evil";
    static final String BILLING = "own-billing";
    static final String GREEDY = "own-greedy";
    static final String HOST = "shop.example.com";
    static final int QUOTA = 20;
    /** Consul services with tag routes watched: evil-vm and ssrf-vm (earlier tests) and one more. */
    static final int TAGGED = 3;

    static KubeApiServer api;
    static KubernetesClient kube;
    static ConsulServer consul;
    static EchoServer victim;
    static EchoServer invoice;
    static EchoServer attacker;
    static CountingListener trap;
    static GatewayApp gateway;

    @BeforeAll
    static void start() throws Exception {
        api = KubeApiServer.shared();
        kube = api.client();
        KubeFixtures.installCrd(kube);
        installReferenceGrantCrd(kube);
        for (String ns : List.of(VICTIM, EVIL, BILLING, GREEDY)) {
            KubeFixtures.createNamespace(kube, ns);
        }
        victim = EchoServer.start("victim", TestNetwork.shared());
        invoice = EchoServer.start("invoice", TestNetwork.shared());
        attacker = EchoServer.start("attacker", TestNetwork.shared());
        trap = new CountingListener();
        service(VICTIM, "web", victim);
        service(BILLING, "invoice", invoice);
        service(EVIL, "steal", attacker);
        consul = ConsulServer.start();

        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, VICTIM));
        props.putAll(ConsulTestSupport.gatewayProperties(consul));
        props.put("isthmus.kubernetes.namespaces", String.join(",", VICTIM, EVIL, BILLING, GREEDY));
        props.put("isthmus.kubernetes.lease-name", "ownership-it");
        props.put("isthmus.ownership.destinations.allow-loopback", "false");
        props.put("isthmus.ownership.quotas.routes-per-owner", String.valueOf(QUOTA));
        props.put("isthmus.ownership.quotas.config-map-size", "64KB");
        props.put("isthmus.ownership.quotas.consul-tagged-services", String.valueOf(TAGGED));
        gateway = GatewayApp.start("routes: []\n", props);
        assertThat(Await.until(Duration.ofSeconds(30), () -> gateway.admin("/actuator/health/readiness").statusCode() == 200)).isTrue();

        kube.genericKubernetesResources("isthmus.dev/v1alpha1", "GatewayRoute").inNamespace(VICTIM).resource(KubeFixtures.gatewayRoute(
                VICTIM, "shop", "hosts: [" + HOST + "]\nmatch: {path: {prefix: /cart}}\nbackends: [{service: web, port: http}]")).create();
        assertThat(Await.until(Duration.ofSeconds(10), () -> "victim".equals(upstream(HOST, "/cart")))).as("the victim serves its host").isTrue();
    }

    static void service(String ns, String name, EchoServer upstream) {
        kube.services().inNamespace(ns).resource(KubeFixtures.service(ns, name, KubeFixtures.port("http", 80))).serverSideApply();
        kube.discovery().v1().endpointSlices().inNamespace(ns).resource(KubeFixtures.slice(ns, name + "-1", name,
                List.of(KubeFixtures.slicePort("http", upstream.port())), List.of(KubeFixtures.endpoint(upstream.host(), true, false))))
                .serverSideApply();
    }

    /** The Gateway API's ReferenceGrant CRD, from the release scripts/provision-test-infra.sh lays out. */
    static void installReferenceGrantCrd(KubernetesClient client) throws IOException {
        Path crd = RealInfra.home().resolve("gateway-api/v1.4.1/crds/gateway.networking.k8s.io_referencegrants.yaml");
        assertThat(crd).as("provisioned by scripts/provision-test-infra.sh").exists();
        try (InputStream in = Files.newInputStream(crd)) {
            client.load(in).serverSideApply();
        }
        assertThat(Await.until(Duration.ofSeconds(20), () -> KubeFixtures.established(client.apiextensions().v1().customResourceDefinitions()
                .withName("referencegrants.gateway.networking.k8s.io").get()))).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        for (String ns : List.of(VICTIM, EVIL, BILLING, GREEDY)) {
            kube.namespaces().withName(ns).delete();
        }
        kube.close();
        consul.close();
        victim.close();
        invoice.close();
        attacker.close();
        trap.close();
    }

    static HttpResponse<String> get(String host, String path) {
        return gateway.send(gateway.request(path).header("Host", host).timeout(Duration.ofSeconds(10)).build());
    }

    static String upstream(String host, String path) {
        return ConsulTestSupport.upstream(get(host, path));
    }

    static Optional<RouteStatus> status(String routeId) {
        return ConsulTestSupport.routeStatus(gateway, routeId);
    }

    static RouteStatus awaitStatus(String routeId) {
        assertThat(Await.until(Duration.ofSeconds(15), () -> status(routeId).isPresent())).as("%s compiled", routeId).isTrue();
        return status(routeId).orElseThrow();
    }

    static void tenantRoute(String ns, String name, String spec) {
        kube.genericKubernetesResources("isthmus.dev/v1alpha1", "GatewayRoute").inNamespace(ns)
                .resource(KubeFixtures.gatewayRoute(ns, name, spec)).create();
    }

    static void configMapRoutes(String ns, String name, String document) {
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(ns).addToLabels("isthmus.dev/routes", "true")
                .endMetadata().addToData("routes.yaml", document).build();
        kube.configMaps().inNamespace(ns).resource(cm).create();
    }

    /** The victim's traffic under attack: a client loop counting every answer that is not the victim's 200. */
    static final class VictimLoad implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong requests = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final List<String> firstErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Thread> threads = new ArrayList<>();

        VictimLoad(int clients) {
            for (int i = 0; i < clients; i++) {
                Thread t = new Thread(() -> {
                    while (running.get()) {
                        String who;
                        try {
                            who = upstream(HOST, "/cart/items");
                        }
                        catch (RuntimeException e) {
                            who = e.toString();
                        }
                        requests.incrementAndGet();
                        if (!"victim".equals(who)) {
                            errors.incrementAndGet();
                            if (firstErrors.size() < 5) {
                                firstErrors.add(who);
                            }
                        }
                    }
                }, "victim-load-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(15_000);
            }
        }
    }

    @Test
    @Order(1)
    void aTenantAndAVmCannotTakeAHostAnotherOwnerServesAndItsTrafficNeverMoves() throws Exception {
        VictimLoad load = new VictimLoad(4);
        try {
            tenantRoute(EVIL, "same-path", "hosts: [" + HOST + "]\nmatch: {path: {prefix: /cart}}\nbackends: [{service: steal, port: http}]");
            tenantRoute(EVIL, "longer-prefix", "hosts: [" + HOST + "]\nmatch: {path: {prefix: /cart/items}}\nbackends: [{service: steal, port: http}]");
            tenantRoute(EVIL, "max-precedence", "hosts: [" + HOST + "]\nmatch: {path: {exact: /cart/items}}\nprecedence: 1000\n"
                    + "backends: [{service: steal, port: http}]");
            assertThatThrownBy(() -> tenantRoute(EVIL, "over-precedence", "hosts: [" + HOST + "]\nmatch: {path: {prefix: /}}\n"
                    + "precedence: 2147483647\nbackends: [{service: steal, port: http}]"))
                    .as("the CRD schema bounds precedence").isInstanceOf(KubernetesClientException.class).hasMessageContaining("1000");
            configMapRoutes(EVIL, "catch-all", """
                    routes:
                      - {name: everything, match: {path: {prefix: /}}, backends: [{service: steal, port: http}]}
                      - {name: other, match: {path: {prefix: /other}}, backends: [{service: steal, port: http}]}
                    """);
            consul.register("evil-vm-1", "evil-vm", "127.0.0.1", attacker.port(), List.of("isthmus.enable=true", "isthmus.host=" + HOST,
                    "isthmus.path=/cart/", "isthmus.precedence=1000"), Map.of(), null);

            for (String name : List.of("same-path", "longer-prefix", "max-precedence")) {
                RouteStatus s = awaitStatus("gatewayroute/" + EVIL + "/" + name);
                assertThat(s.accepted()).as(name).isFalse();
                assertThat(s.reason()).as(name).isEqualTo(ConditionReason.HOST_CLAIMED);
                assertThat(s.message()).as("names the host and its holder, not the holder's routes")
                        .contains("host " + HOST + " is held by namespace " + VICTIM).doesNotContain("gatewayroute/" + VICTIM);
            }
            RouteStatus vm = awaitStatus("consul/dc1/evil-vm");
            assertThat(vm.reason()).isEqualTo(ConditionReason.HOST_CLAIMED);
            assertThat(vm.message()).contains("is held by namespace " + VICTIM);
            assertThat(awaitStatus("configmap/" + EVIL + "/catch-all/everything").reason()).isEqualTo(ConditionReason.NOT_ALLOWED_HOST);
            assertThat(awaitStatus("configmap/" + EVIL + "/catch-all/other").accepted()).as("a path of the default host").isTrue();

            // no fall-through: the victim's host answers 404 for a path its routes do not match, never the tenant's host-less route
            assertThat(get(HOST, "/other").statusCode()).isEqualTo(404);
            assertThat(upstream("unclaimed.example.org", "/other")).as("the default host is the tenant's at /other").isEqualTo("attacker");

            // the refusal is visible to its author: CRD status and a Warning Event
            assertThat(Await.until(Duration.ofSeconds(15), () -> {
                var st = KubeFixtures.status(kube, EVIL, "same-path");
                return st != null && "HostClaimed".equals(KubeFixtures.condition(st, "Accepted").getReason());
            })).as("CRD status of the refused route").isTrue();
            assertThat(Await.until(Duration.ofSeconds(15), () -> kube.v1().events().inNamespace(EVIL).list().getItems().stream()
                    .anyMatch(e -> "Warning".equals(e.getType()) && "HostClaimed".equals(e.getReason())))).as("a Warning Event").isTrue();
            String routes = gateway.admin("/actuator/routes").body();
            assertThat(routes).contains("\"owner\":\"namespace " + EVIL + "\"").contains("\"" + HOST + "\":\"namespace " + VICTIM + "\"");

            // keep the load on the settled table too, for a few hundred requests whatever the machine's load
            Await.until(Duration.ofSeconds(20), () -> load.requests.get() >= 400);
        }
        finally {
            load.close();
        }
        System.out.printf("hijack attempts: %d victim requests under attack, %d errors%n", load.requests.get(), load.errors.get());
        assertThat(load.requests.get()).as("the load ran").isGreaterThanOrEqualTo(400);
        assertThat(load.errors.get()).as("victim errors (first: %s)", load.firstErrors).isZero();
        assertThat(attacker.count()).as("the attacker's upstream got only the one default-host request, none of the victim's").isEqualTo(1);
    }

    @Test
    @Order(2)
    void confusedDeputyAttemptsConnectNowhere() throws Exception {
        int before = trap.connections.get();
        tenantRoute(EVIL, "ssrf-literal", "hosts: [ssrf-a.example.org]\nmatch: {path: {prefix: /}}\nbackends: [{url: \"http://127.0.0.1:"
                + trap.port() + "\"}]");
        tenantRoute(EVIL, "ssrf-admin", "hosts: [ssrf-b.example.org]\nmatch: {path: {prefix: /}}\nbackends: [{url: \"http://127.0.0.1:"
                + managementPort() + "\"}]");
        // localhost is loopback whatever DNS says (RFC 6761): refused as a literal; other names are checked once resolved
        // (GuardedAddressResolverTest: a real client, a resolver answering loopback, a counting listener)
        tenantRoute(EVIL, "ssrf-dns", "hosts: [ssrf-c.example.org]\nmatch: {path: {prefix: /}}\nbackends: [{url: \"http://localhost:"
                + trap.port() + "\"}]");
        tenantRoute(EVIL, "ssrf-metadata", "hosts: [ssrf-d.example.org]\nmatch: {path: {prefix: /}}\n"
                + "backends: [{url: \"http://169.254.169.254\"}]");
        consul.register("ssrf-vm-1", "ssrf-vm", "127.0.0.1", trap.port(), List.of("isthmus.enable=true", "isthmus.host=ssrf-e.example.org", "isthmus.path=/"),
                Map.of(), null);
        kube.services().inNamespace(EVIL).resource(KubeFixtures.service(EVIL, "sneaky", KubeFixtures.port("http", 80))).serverSideApply();
        // a hand-written EndpointSlice at loopback or link-local: the API server itself refuses such endpoint IPs. The
        // gateway's own pod address is the remaining EndpointSlice vector; ServiceEndpointsTest proves it is left out (tests
        // never send to this machine's own interface addresses), and FQDN endpoints go through the resolver ssrf-dns proves.
        assertThatThrownBy(() -> kube.discovery().v1().endpointSlices().inNamespace(EVIL).resource(KubeFixtures.slice(EVIL, "sneaky-ip",
                "sneaky", List.of(KubeFixtures.slicePort("http", trap.port())), List.of(KubeFixtures.endpoint("127.0.0.1", true, false))))
                .create()).as("the API server refuses loopback endpoints").isInstanceOf(KubernetesClientException.class);
        assertThatThrownBy(() -> kube.discovery().v1().endpointSlices().inNamespace(EVIL).resource(KubeFixtures.slice(EVIL, "sneaky-ll",
                "sneaky", List.of(KubeFixtures.slicePort("http", 80)), List.of(KubeFixtures.endpoint("169.254.169.254", true, false))))
                .create()).as("and link-local ones").isInstanceOf(KubernetesClientException.class);

        for (String name : List.of("ssrf-literal", "ssrf-admin", "ssrf-dns", "ssrf-metadata")) {
            RouteStatus s = awaitStatus("gatewayroute/" + EVIL + "/" + name);
            assertThat(s.reason()).as(name).isEqualTo(ConditionReason.NOT_ALLOWED_BACKEND);
        }
        assertThat(awaitStatus("consul/dc1/ssrf-vm").accepted()).isTrue();

        Map<String, Integer> answers = new LinkedHashMap<>();
        for (String host : List.of("ssrf-a", "ssrf-b", "ssrf-c", "ssrf-d", "ssrf-e")) {
            for (int i = 0; i < 10; i++) {
                answers.merge(host + " " + get(host + ".example.org", "/x").statusCode(), 1, Integer::sum);
            }
        }
        System.out.printf("SSRF attempts: %s; connections the trap saw: %d%n", answers, trap.connections.get() - before);
        assertThat(answers).as("refused routes 404; a loopback Consul address is no instance: 503")
                .containsEntry("ssrf-a 404", 10).containsEntry("ssrf-b 404", 10).containsEntry("ssrf-c 404", 10)
                .containsEntry("ssrf-d 404", 10).containsEntry("ssrf-e 503", 10);
        assertThat(trap.connections.get() - before).as("connections to the loopback listener").isZero();
        assertThat(upstream(HOST, "/cart")).isEqualTo("victim");
    }

    @Test
    @Order(3)
    void aCrossNamespaceReferenceWorksOnlyWhileAReferenceGrantAllowsIt() {
        tenantRoute(EVIL, "invoices", "hosts: [invoices.example.org]\nmatch: {path: {prefix: /}}\n"
                + "backends: [{service: \"k8s:" + BILLING + "/invoice\", port: http}]");
        RouteStatus refused = awaitStatus("gatewayroute/" + EVIL + "/invoices");
        assertThat(refused.reason()).isEqualTo(ConditionReason.REF_NOT_PERMITTED);
        assertThat(get("invoices.example.org", "/").statusCode()).isEqualTo(404);

        ReferenceGrant grant = new ReferenceGrantBuilder().withNewMetadata().withName("evil-may-bill").withNamespace(BILLING).endMetadata()
                .withNewSpec().addNewFrom().withGroup("isthmus.dev").withKind("GatewayRoute").withNamespace(EVIL).endFrom()
                .addNewTo().withGroup("").withKind("Service").withName("invoice").endTo().endSpec().build();
        kube.resource(grant).create();
        long granted = KubeFixtures.millisUntil(Duration.ofSeconds(15), () -> "invoice".equals(upstream("invoices.example.org", "/")));
        assertThat(granted).as("served once the grant exists").isGreaterThanOrEqualTo(0);

        kube.resource(grant).delete();
        long revoked = KubeFixtures.millisUntil(Duration.ofSeconds(15), () -> get("invoices.example.org", "/").statusCode() == 404);
        assertThat(revoked).as("refused again once it is deleted").isGreaterThanOrEqualTo(0);
        assertThat(status("gatewayroute/" + EVIL + "/invoices").orElseThrow().reason()).isEqualTo(ConditionReason.REF_NOT_PERMITTED);
        System.out.printf("ReferenceGrant: served %d ms after create, refused %d ms after delete%n", granted, revoked);
    }

    @Test
    @Order(4)
    void aTenantOverItsQuotaIsRejectedAlone() {
        StringBuilder doc = new StringBuilder("routes:\n");
        for (int i = 0; i <= QUOTA; i++) {
            doc.append("  - {name: r").append(String.format("%02d", i)).append(", hosts: [greedy.example.org], match: {path: {prefix: /r")
                    .append(i).append("}}, backends: [{url: \"http://10.0.0.1\"}]}\n");
        }
        configMapRoutes(GREEDY, "many", doc.toString());
        RouteStatus last = awaitStatus("configmap/" + GREEDY + "/many/r" + QUOTA);
        assertThat(last.reason()).isEqualTo(ConditionReason.QUOTA_EXCEEDED);
        assertThat(last.message()).contains("namespace " + GREEDY).contains("quota of " + QUOTA);
        assertThat(ConsulTestSupport.statuses(gateway).stream().filter(s -> s.object().namespace() != null
                && s.object().namespace().equals(GREEDY) && s.accepted()).count()).isEqualTo(QUOTA);
        assertThat(status("gatewayroute/" + VICTIM + "/shop").orElseThrow().accepted()).isTrue();
        assertThat(upstream(HOST, "/cart")).isEqualTo("victim");
    }

    @Test
    @Order(5)
    void aConfigMapOverTheSizeQuotaAndConsulServicesOverTheTaggedQuotaAreRejectedAlone() {
        configMapRoutes(GREEDY, "bulky", "routes: []\n# " + "x".repeat(70 * 1024) + "\n");
        assertThat(Await.until(Duration.ofSeconds(15), () -> ConsulTestSupport.statuses(gateway).stream().anyMatch(s ->
                s.object().name().equals("bulky") && s.reason() == ConditionReason.QUOTA_EXCEEDED))).as("the bulky ConfigMap refused").isTrue();

        consul.register("quota-a-1", "quota-a", "127.0.0.1", 1, List.of("isthmus.enable=true", "isthmus.host=quota-a.example.org"), Map.of(),
                null);
        assertThat(awaitStatus("consul/dc1/quota-a").accepted()).as("the third tagged service is watched").isTrue();
        consul.register("quota-b-1", "quota-b", "127.0.0.1", 1, List.of("isthmus.enable=true", "isthmus.host=quota-b.example.org"), Map.of(),
                null);
        RouteStatus over = awaitStatus("consul/dc1/quota-b");
        assertThat(over.reason()).isEqualTo(ConditionReason.QUOTA_EXCEEDED);
        assertThat(over.message()).contains("consul-tagged-services");
        assertThat(status("consul/dc1/quota-a").orElseThrow().accepted()).as("a service already watched keeps its place").isTrue();
        assertThat(upstream(HOST, "/cart")).isEqualTo("victim");
    }

    static int managementPort() {
        return java.net.URI.create(gateway.managementUrl()).getPort();
    }

    /** A loopback listener that counts every connection made to it and closes it. */
    static final class CountingListener implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger connections = new AtomicInteger();
        final Thread acceptor;

        CountingListener() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        connections.incrementAndGet();
                    }
                    catch (IOException e) {
                        // closed
                    }
                }
            }, "counting-listener");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
