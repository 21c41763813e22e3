package dev.isthmus.source.kubernetes;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.spec.GatewayRouteStatus;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.platform.kubernetes.ReplicaIdentity;

import static dev.isthmus.testsupport.KubeFixtures.condition;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two gateways elect one status writer on a real Lease: only the leader writes status and
 * Events; when it shuts down it releases the Lease and the other takes over at once; when it
 * dies (SIGKILL of the real gateway process) the other takes over once the Lease expires.
 * Both gateways serve traffic all along.
 */
class StatusWriterLeaderElectionIT {

    static final String NS = "leader-it";
    static final Duration LEASE = Duration.ofSeconds(3);
    static KubeApiServer api;
    static KubernetesClient client;
    static EchoServer upstream;

    @BeforeAll
    static void setUp() {
        api = KubeApiServer.shared();
        client = api.client();
        KubeFixtures.installCrd(client);
        KubeFixtures.createNamespace(client, NS);
        upstream = EchoServer.start("up");
    }

    @AfterAll
    static void tearDown() {
        client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(NS).delete();
        client.configMaps().inNamespace(NS).delete();
        client.v1().events().inNamespace(NS).delete();
        client.close();
        upstream.close();
    }

    static Map<String, String> props(String leaseName) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("isthmus.kubernetes.namespaces", NS);
        p.put("isthmus.kubernetes.lease-name", leaseName);
        p.put("isthmus.kubernetes.lease-duration", LEASE.toMillis() + "ms");
        return p;
    }

    static String holder(String leaseName) {
        Lease lease = client.leases().inNamespace(NS).withName(leaseName).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    static String identity(KubeGateway g) {
        return g.app.bean(ReplicaIdentity.class).value();
    }

    static void route(String name, String path) {
        client.resource(KubeFixtures.gatewayRoute(NS, name, """
                match: {path: {prefix: %s}}
                backends: [{url: "%s"}]
                """.formatted(path, upstream.url()))).forceConflicts().serverSideApply();
    }

    static boolean acceptedStatus(String name) {
        GatewayRouteStatus s = KubeFixtures.status(client, NS, name);
        return s != null && condition(s, "Accepted") != null && "True".equals(condition(s, "Accepted").getStatus());
    }

    @Test
    void oneOfTwoWritesStatusAndTheOtherTakesOverWhenItShutsDown() throws InterruptedException {
        String lease = "writer-graceful";
        try (KubeGateway a = KubeGateway.start(api, NS, props(lease)); KubeGateway b = KubeGateway.start(api, NS, props(lease))) {
            assertThat(Await.until(Duration.ofSeconds(20), () -> a.writer().isLeader() || b.writer().isLeader())).isTrue();
            KubeGateway leader = a.writer().isLeader() ? a : b;
            KubeGateway follower = leader == a ? b : a;
            assertThat(follower.writer().isLeader()).isFalse();
            assertThat(holder(lease)).isEqualTo(identity(leader));

            route("first", "/first/");
            assertThat(Await.until(Duration.ofSeconds(10), () -> acceptedStatus("first"))).isTrue();
            assertThat(leader.server("/first/x")).isEqualTo("up");
            assertThat(follower.server("/first/x")).as("the follower routes too").isEqualTo("up");
            assertThat(leader.writer().writes()).isPositive();
            assertThat(follower.writer().writes()).as("only the leader writes").isZero();

            // Events, too, come from the leader only
            client.resource(new ConfigMapBuilder().withNewMetadata().withName("broken").withNamespace(NS)
                    .addToLabels(ConfigMapRouteSource.LABEL, "true").endMetadata()
                    .withData(Map.of("r.yaml", "routes: [ {\n")).build()).serverSideApply();
            assertThat(Await.until(Duration.ofSeconds(10), () -> !brokenEvents().isEmpty())).isTrue();
            assertThat(brokenEvents()).singleElement().satisfies(e -> assertThat(e.getReportingInstance()).isEqualTo(identity(leader)));

            // the leader shuts down: it releases the Lease, and the follower takes it over within a
            // retry period of the leader's last renewal, not after the Lease expired
            String leaderIdentity = identity(leader);
            long start = System.nanoTime();
            Thread closing = new Thread(leader::close, "closing-leader");
            closing.start();
            Instant lastRenewal = null;
            while (!follower.writer().isLeader() && System.nanoTime() - start < Duration.ofSeconds(20).toNanos()) {
                Lease l = client.leases().inNamespace(NS).withName(lease).get();
                if (leaderIdentity.equals(l.getSpec().getHolderIdentity())) {
                    lastRenewal = l.getSpec().getRenewTime().toInstant();
                }
            }
            long failover = (System.nanoTime() - start) / 1_000_000;
            assertThat(follower.writer().isLeader()).isTrue();
            Lease taken = client.leases().inNamespace(NS).withName(lease).get();
            assertThat(taken.getSpec().getHolderIdentity()).isEqualTo(identity(follower)).isNotEqualTo(leaderIdentity);
            long gap = Duration.between(lastRenewal, taken.getSpec().getAcquireTime().toInstant()).toMillis();
            System.out.printf("[StatusWriterLeaderElectionIT] graceful failover: %d ms from close(), new leader acquired %d ms"
                    + " after the old one's last renewal (lease %d ms)%n", failover, gap, LEASE.toMillis());
            assertThat(gap).as("taken over on release, not on expiry").isLessThan(LEASE.toMillis());
            closing.join(30_000);

            route("second", "/second/");
            assertThat(Await.until(Duration.ofSeconds(10), () -> acceptedStatus("second"))).as("the new leader writes status").isTrue();
            assertThat(follower.server("/second/x")).isEqualTo("up");
            // the problem was reported already: the new leader finds the Event and does not add another
            assertThat(brokenEvents()).hasSize(1);
        }
    }

    static List<Event> brokenEvents() {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "broken".equals(e.getInvolvedObject().getName())).toList();
    }

    @Test
    void whenTheLeaderDiesTheOtherTakesOverOnceTheLeaseExpires() {
        String lease = "writer-crash";
        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        props.putAll(props(lease));
        // the real gateway process first, so it is the leader
        try (GatewayProcess process = GatewayProcess.start(props, null)) {
            assertThat(Await.until(Duration.ofSeconds(30), () -> holder(lease) != null)).as("the process leads: %s", process.logTail()).isTrue();
            String processIdentity = holder(lease);
            try (KubeGateway survivor = KubeGateway.start(api, NS, props(lease))) {
                assertThat(survivor.writer().isLeader()).isFalse();
                route("before-crash", "/before-crash/");
                assertThat(Await.until(Duration.ofSeconds(10), () -> acceptedStatus("before-crash"))).as("written by the process").isTrue();
                assertThat(survivor.writer().writes()).isZero();

                long start = System.nanoTime();
                process.process().kill(); // SIGKILL: no release, the Lease must expire
                assertThat(Await.until(Duration.ofSeconds(20), () -> survivor.writer().isLeader())).isTrue();
                long failover = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("[StatusWriterLeaderElectionIT] failover after SIGKILL (lease %d ms): %d ms%n", LEASE.toMillis(), failover);
                assertThat(holder(lease)).isEqualTo(identity(survivor)).isNotEqualTo(processIdentity);
                assertThat(failover).isLessThan(LEASE.toMillis() * 4);

                route("after-crash", "/after-crash/");
                assertThat(Await.until(Duration.ofSeconds(10), () -> acceptedStatus("after-crash"))).isTrue();
                assertThat(survivor.writer().writes()).isPositive();
            }
        }
    }
}
