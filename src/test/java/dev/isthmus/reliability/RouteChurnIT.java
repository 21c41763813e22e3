package dev.isthmus.reliability;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1,000 route changes through the three live sources (routes file, GatewayRoutes on a real API
 * server, Consul tags on a real agent) while a steady load runs on routes nobody touches: not one
 * of those requests may fail. Counts go to target/reliability/route-churn.txt (docs/reliability.md).
 */
class RouteChurnIT {

    static final String NS = "churn-it";

    @Test
    void unaffectedRoutesServeEveryRequestDuringAThousandChanges() throws Exception {
        KubeApiServer api = KubeApiServer.shared();
        try (KubernetesClient kube = api.client(); ConsulServer consul = ConsulServer.start(); EchoServer stable = EchoServer.start("stable");
                EchoServer churned = EchoServer.start("churned")) {
            KubeFixtures.installCrd(kube);
            KubeFixtures.createNamespace(kube, NS);
            Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
            props.putAll(ConsulTestSupport.gatewayProperties(consul));
            props.put("isthmus.kubernetes.namespaces", NS);
            props.put("isthmus.kubernetes.lease-name", "churn");
            String fileRoutes = """
                    routes:
                      - {name: stable, match: {path: {prefix: /stable}}, backends: [{url: "%s"}]}
                    """.formatted(stable.url());
            kube.resource(KubeFixtures.gatewayRoute(NS, "stable-crd", """
                    match: {path: {prefix: /stable-crd}}
                    backends: [{url: "%s"}]
                    """.formatted(stable.url()))).create();
            consul.register("stable-svc-1", "stable-svc", "127.0.0.1", stable.port(), List.of("isthmus.enable=true"), Map.of(), null);

            try (GatewayApp gw = GatewayApp.start(fileRoutes, props)) {
                assertThat(Await.until(Duration.ofSeconds(30), () -> gw.get("/stable").statusCode() == 200
                        && gw.get("/stable-crd").statusCode() == 200 && gw.get("/stable-svc/").statusCode() == 200)).isTrue();

                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger ok = new AtomicInteger();
                Map<String, Integer> failures = new ConcurrentHashMap<>();
                ExecutorService pool = Executors.newFixedThreadPool(3);
                List<CompletableFuture<?>> load = new ArrayList<>();
                for (String path : List.of("/stable/x", "/stable-crd/x", "/stable-svc/x")) {
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

                long tableBefore = gw.bean(RouteTableHolder.class).get().version();
                long start = System.nanoTime();
                int fileChanges = 0;
                int crdChanges = 0;
                int consulChanges = 0;
                for (int i = 0; i < 400; i++) {
                    String extra = i % 2 == 0 ? "  - {name: churn-%d, match: {path: {prefix: /churn/%d}}, backends: [{url: \"%s\"}]}\n"
                            .formatted(i, i, churned.url()) : "";
                    Files.writeString(gw.routesFile(), fileRoutes + extra);
                    fileChanges++;
                    if (i % 4 == 3) {
                        Thread.sleep(30); // let the file source see distinct versions, not only the last
                    }
                }
                for (int i = 0; i < 100; i++) {
                    String name = "churn-" + i;
                    kube.resource(KubeFixtures.gatewayRoute(NS, name, "match: {path: {prefix: /c/%d}}\nbackends: [{url: \"%s\"}]\n"
                            .formatted(i, churned.url()))).create();
                    kube.resource(KubeFixtures.gatewayRoute(NS, name, "match: {path: {prefix: /c2/%d}}\nbackends: [{url: \"%s\"}]\n"
                            .formatted(i, churned.url()))).forceConflicts().serverSideApply(); // the status writer moves resourceVersion
                    kube.genericKubernetesResources(dev.isthmus.source.kubernetes.GatewayRouteSource.CONTEXT).inNamespace(NS)
                            .withName(name).delete();
                    crdChanges += 3;
                }
                for (int i = 0; i < 100; i++) {
                    consul.register("churn-" + i, "churn-svc-" + i, "127.0.0.1", churned.port(),
                            List.of("isthmus.enable=true", "isthmus.path=/cs/" + i + "/"), Map.of(), null);
                    consul.register("churn-" + i, "churn-svc-" + i, "127.0.0.1", churned.port(),
                            List.of("isthmus.enable=true", "isthmus.path=/cs2/" + i + "/"), Map.of(), null);
                    consul.deregister("churn-" + i);
                    consulChanges += 3;
                }
                Thread.sleep(1500); // the last changes land while the load still runs
                running.set(false);
                load.forEach(CompletableFuture::join);
                pool.shutdown();
                long seconds = Math.max(1, (System.nanoTime() - start) / 1_000_000_000L);
                long tables = gw.bean(RouteTableHolder.class).get().version() - tableBefore;
                int changes = fileChanges + crdChanges + consulChanges;

                String summary = "route churn: %d changes (file %d, GatewayRoute %d, Consul %d) in %d s, %d routing tables built; "
                        .formatted(changes, fileChanges, crdChanges, consulChanges, seconds, tables)
                        + "%d requests to unaffected routes, %d failed %s".formatted(ok.get() + failures.values().stream().mapToInt(i -> i).sum(),
                                failures.values().stream().mapToInt(i -> i).sum(), failures);
                System.out.println(summary);
                Path out = Path.of("target/reliability");
                Files.createDirectories(out);
                Files.writeString(out.resolve("route-churn.txt"), summary + "\n");

                assertThat(changes).isEqualTo(1000);
                assertThat(failures).as(summary).isEmpty();
                assertThat(ok.get()).isGreaterThan(500);
                assertThat(tables).as("the churn really went through the table").isGreaterThan(20);
            }
            finally {
                kube.namespaces().withName(NS).delete();
            }
        }
    }
}
