package dev.isthmus.security;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import dev.isthmus.discovery.ConcurrencyLimiter;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.EchoServer.Reply;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bulkheads per owner through the real gateway (docs/security.md, Quotas and isolation): two
 * namespaces' GatewayRoutes on a real API server send to the same slow upstream URL, with
 * {@code isthmus.upstream.max-concurrent-requests=3}. Namespace A saturates it; namespace B's
 * requests, sent while A's three are still in flight, all answer 200, A's overflow gets the
 * bulkhead's 503, and {@code isthmus.upstream.bulkhead.rejections} counts A's overflow only.
 */
class PerOwnerBulkheadIT {

    static final String A = "bulkhead-a";
    static final String B = "bulkhead-b";
    static final int LIMIT = 3;
    static final int A_CALLS = 6;
    static final int B_CALLS = LIMIT;

    @Test
    void oneOwnerSaturatingASharedUpstreamDoesNotRefuseAnotherOwnersRequests() throws Exception {
        KubeApiServer api = KubeApiServer.shared();
        KubernetesClient kube = api.client();
        ExecutorService clients = Executors.newFixedThreadPool(A_CALLS + B_CALLS);
        try (EchoServer slow = EchoServer.start("slow")) {
            // A's requests stay in flight long enough for B's to be sent and answered meanwhile
            slow.behave(r -> Reply.delayed(r.uri().startsWith("/a") ? Duration.ofSeconds(4) : Duration.ofMillis(100)));
            KubeFixtures.installCrd(kube);
            for (String ns : List.of(A, B)) {
                KubeFixtures.createNamespace(kube, ns);
            }
            kube.resource(KubeFixtures.gatewayRoute(A, "heavy", "match: {path: {prefix: /a}}\nbackends: [{url: \"" + slow.url() + "\"}]\n"))
                    .serverSideApply();
            kube.resource(KubeFixtures.gatewayRoute(B, "light", "match: {path: {prefix: /b}}\nbackends: [{url: \"" + slow.url() + "\"}]\n"))
                    .serverSideApply();
            Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, A));
            props.put("isthmus.kubernetes.namespaces", A + "," + B);
            props.put("isthmus.kubernetes.lease-name", "per-owner-bulkhead-it");
            props.put("isthmus.upstream.max-concurrent-requests", String.valueOf(LIMIT));
            try (GatewayApp gw = GatewayApp.start("routes: []\n", props)) {
                assertThat(Await.until(Duration.ofSeconds(30), () -> gw.get("/b").statusCode() == 200))
                        .as("B's GatewayRoute served").isTrue();
                assertThat(Await.until(Duration.ofSeconds(10), () -> gw.get("/a").statusCode() == 200))
                        .as("A's GatewayRoute served").isTrue();
                MeterRegistry meters = gw.bean(MeterRegistry.class);
                ConcurrencyLimiter bulkhead = gw.bean(ConcurrencyLimiter.class);
                double rejectionsBefore = rejections(meters);
                int upstreamBefore = slow.count();
                // BackendPool.Backend#bulkheadKey: the owner, then the upstream
                String keyA = "namespace " + A + "|" + slow.url();
                String keyB = "namespace " + B + "|" + slow.url();

                List<CompletableFuture<HttpResponse<String>>> heavy = new ArrayList<>();
                for (int i = 0; i < A_CALLS; i++) {
                    heavy.add(CompletableFuture.supplyAsync(() -> gw.get("/a"), clients));
                }
                // A holds all its slots, and its overflow has been refused, before B sends anything
                assertThat(Await.until(Duration.ofSeconds(3), () -> rejections(meters) - rejectionsBefore == A_CALLS - LIMIT
                        && slow.count() - upstreamBefore == LIMIT)).as("A saturates the upstream").isTrue();

                List<CompletableFuture<HttpResponse<String>>> light = new ArrayList<>();
                for (int i = 0; i < B_CALLS; i++) {
                    light.add(CompletableFuture.supplyAsync(() -> gw.get("/b"), clients));
                }
                List<Integer> lightStatuses = light.stream().map(f -> f.join().statusCode()).toList();
                long aStillInFlight = heavy.stream().filter(f -> !f.isDone()).count();
                int aSlotsHeld = bulkhead.inFlight(keyA);
                List<HttpResponse<String>> heavyResponses = heavy.stream().map(CompletableFuture::join).toList();

                assertThat(lightStatuses).as("B is never refused while A saturates the shared upstream").containsOnly(200);
                assertThat(aStillInFlight).as("B was answered while A's requests were still in flight").isEqualTo(LIMIT);
                assertThat(aSlotsHeld).as("A's slots, under its own key").isEqualTo(LIMIT);
                assertThat(heavyResponses.stream().filter(r -> r.statusCode() == 200).count()).isEqualTo(LIMIT);
                List<HttpResponse<String>> refused = heavyResponses.stream().filter(r -> r.statusCode() != 200).toList();
                assertThat(refused).hasSize(A_CALLS - LIMIT).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(503));
                assertThat(slow.count() - upstreamBefore).as("refused requests never reached the upstream").isEqualTo(LIMIT + B_CALLS);

                assertThat(rejections(meters) - rejectionsBefore).as("the rejections counter counts A's overflow only")
                        .isEqualTo(A_CALLS - LIMIT);
                assertThat(requests(meters, "gatewayroute/" + A + "/heavy", "bulkhead")).isEqualTo(A_CALLS - LIMIT);
                assertThat(requests(meters, "gatewayroute/" + B + "/light", "bulkhead")).isZero();
                assertThat(requests(meters, "gatewayroute/" + B + "/light", "proxied")).isGreaterThanOrEqualTo(B_CALLS);
                assertThat(Await.until(Duration.ofSeconds(2), () -> bulkhead.inFlight(keyA) == 0 && bulkhead.inFlight(keyB) == 0)).as("every slot is given back").isTrue();
            }
        }
        finally {
            clients.shutdownNow();
            for (String ns : List.of(A, B)) {
                kube.namespaces().withName(ns).delete();
            }
        }
    }

    static double rejections(MeterRegistry meters) {
        return meters.get("isthmus.upstream.bulkhead.rejections").functionCounter().count();
    }

    /** {@code isthmus.requests} of one route and reason, over every status class. */
    static double requests(MeterRegistry meters, String route, String reason) {
        return meters.find("isthmus.requests").tag("route", route).tag("reason", reason).counters().stream().mapToDouble(Counter::count).sum();
    }
}
