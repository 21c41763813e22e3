package dev.isthmus.reliability;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.Test;

import dev.isthmus.source.kubernetes.GatewayRouteSource;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.TestNetwork;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API server stopped and restarted under load: no request to a GatewayRoute or a
 * Kubernetes-discovered service fails, the watches resume, and status is neither rewritten for
 * routes that did not change nor lost for the route that did. Every status write is counted by
 * a separate watch. Counts go to target/reliability/api-server-restart.txt.
 */
class ApiServerRestartUnderLoadIT {

    static final String NS = "restart-load-it";

    @Test
    void servesThroughAnApiServerRestartWithoutDuplicateOrLostStatus() throws Exception {
        KubeApiServer api = KubeApiServer.start();
        TestNetwork network = TestNetwork.shared();
        try (KubernetesClient kube = api.client(); EchoServer a = EchoServer.start("a"); EchoServer pod = EchoServer.start("pod", network)) {
            KubeFixtures.installCrd(kube);
            KubeFixtures.createNamespace(kube, NS);
            kube.resource(KubeFixtures.service(NS, "svc", KubeFixtures.port("http", 80))).serverSideApply();
            kube.resource(KubeFixtures.slice(NS, "svc-1", "svc", List.of(KubeFixtures.slicePort("http", pod.port())),
                    List.of(KubeFixtures.endpoint(pod.host(), true, false)))).serverSideApply();
            for (String name : List.of("url", "service", "edited")) {
                kube.resource(KubeFixtures.gatewayRoute(NS, name, """
                        match: {path: {prefix: /%s}}
                        backends: [%s]
                        """.formatted(name, name.equals("service") ? "{service: svc, port: http}" : "{url: \"" + a.url() + "\"}")))
                        .serverSideApply();
            }

            Map<String, AtomicInteger> statusWrites = new ConcurrentHashMap<>();
            SharedIndexInformer<GenericKubernetesResource> statusWatch = kube.genericKubernetesResources(GatewayRouteSource.CONTEXT)
                    .inNamespace(NS).inform(new ResourceEventHandler<>() {
                        @Override
                        public void onAdd(GenericKubernetesResource r) {
                        }

                        @Override
                        public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
                            if (!Objects.equals(before.getAdditionalProperties().get("status"), after.getAdditionalProperties().get("status"))) {
                                statusWrites.computeIfAbsent(after.getMetadata().getName(), k -> new AtomicInteger()).incrementAndGet();
                            }
                        }

                        @Override
                        public void onDelete(GenericKubernetesResource r, boolean unknown) {
                        }
                    });

            Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
            props.put("isthmus.kubernetes.namespaces", NS);
            props.put("spring.cloud.kubernetes.client.watch-reconnect-interval", "250ms");
            try (GatewayApp gw = GatewayApp.start(null, props)) {
                assertThat(Await.until(Duration.ofSeconds(30), () -> gw.get("/url").statusCode() == 200 && gw.get("/service").statusCode() == 200
                        && accepted(kube, "url", 1) && accepted(kube, "service", 1) && accepted(kube, "edited", 1))).isTrue();
                Thread.sleep(500);
                statusWrites.clear(); // from here on, count only what the restart causes

                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger ok = new AtomicInteger();
                Map<String, Integer> failures = new ConcurrentHashMap<>();
                ExecutorService pool = Executors.newFixedThreadPool(2);
                List<CompletableFuture<?>> load = new ArrayList<>();
                for (String path : List.of("/url/x", "/service/x")) {
                    load.add(CompletableFuture.runAsync(() -> {
                        while (running.get()) {
                            HttpResponse<String> r = gw.get(path);
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                            }
                            else {
                                failures.merge(path + " -> " + r.statusCode(), 1, Integer::sum);
                            }
                        }
                    }, pool));
                }
                Thread.sleep(1000);
                api.stopApiServer();
                assertThat(Await.until(Duration.ofSeconds(15), () -> gw.bean(GatewayRouteSource.class).status().state()
                        == SyncStatus.State.DEGRADED)).isTrue();
                int duringOutageBefore = ok.get();
                Thread.sleep(3000); // the outage, under load
                int servedDuringOutage = ok.get() - duringOutageBefore;
                api.startApiServerAgain();
                assertThat(Await.until(Duration.ofSeconds(60), () -> gw.bean(GatewayRouteSource.class).status().state()
                        == SyncStatus.State.SYNCED)).as("watch resumed").isTrue();
                kube.resource(KubeFixtures.gatewayRoute(NS, "edited", """
                        match: {path: {prefix: /edited2}}
                        backends: [{url: "%s"}]
                        """.formatted(a.url()))).forceConflicts().serverSideApply();
                assertThat(Await.until(Duration.ofSeconds(10), () -> accepted(kube, "edited", 2))).as("status of the edited route").isTrue();
                // the test's own watch reconnects with fabric8's backoff, which can outlast the gateway's:
                // wait until it has seen the edited route's status, then for duplicates to show
                assertThat(Await.until(Duration.ofSeconds(60), () -> statusWrites.containsKey("edited")))
                        .as("the test's status watch saw the edited route's status write").isTrue();
                Thread.sleep(2000); // give duplicate writes a chance to show
                running.set(false);
                load.forEach(CompletableFuture::join);
                pool.shutdown();
                statusWatch.close();

                int failed = failures.values().stream().mapToInt(i -> i).sum();
                String summary = ("API server restart under load: %d requests, %d failed %s (%d served while it was down); "
                        + "status writes after the restart: %s").formatted(ok.get() + failed, failed, failures, servedDuringOutage, statusWrites);
                System.out.println(summary);
                Files.createDirectories(Path.of("target/reliability"));
                Files.writeString(Path.of("target/reliability/api-server-restart.txt"), summary + "\n");

                assertThat(failures).as(summary).isEmpty();
                assertThat(servedDuringOutage).isGreaterThan(50);
                assertThat(statusWrites.getOrDefault("url", new AtomicInteger()).get()).as("unchanged route: no status rewrite").isZero();
                assertThat(statusWrites.getOrDefault("service", new AtomicInteger()).get()).as("unchanged route: no status rewrite").isZero();
                assertThat(statusWrites.get("edited").get()).as("edited route: exactly one status write").isEqualTo(1);
            }
            finally {
                kube.namespaces().withName(NS).delete();
            }
        }
        finally {
            api.close();
        }
    }

    static boolean accepted(KubernetesClient kube, String name, long generation) {
        var s = KubeFixtures.status(kube, NS, name);
        var c = KubeFixtures.condition(s, "Accepted");
        return s != null && s.observedGeneration() != null && s.observedGeneration() == generation && c != null && "True".equals(c.getStatus());
    }
}
