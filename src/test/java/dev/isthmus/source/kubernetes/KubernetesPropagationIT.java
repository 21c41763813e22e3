package dev.isthmus.source.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Measures what users feel: from applying a GatewayRoute change to the first request routed by
 * it, over many creates, updates and deletes, on a real API server and a real gateway; and the
 * gateway's startup with routes already in the cluster. Prints the numbers.
 */
class KubernetesPropagationIT {

    static final String NS = "propagation-it";
    static final int PRELOADED = 200;
    static final int CHANGES = 90;
    static final ObjectMapper JSON = new ObjectMapper();
    static KubeApiServer api;
    static KubernetesClient client;
    static EchoServer upstream;
    static KubeGateway gateway;

    @BeforeAll
    static void start() {
        api = KubeApiServer.shared();
        client = api.client();
        KubeFixtures.installCrd(client);
        KubeFixtures.createNamespace(client, NS);
        upstream = EchoServer.start("up");
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(NS).delete();
        client.close();
        upstream.close();
    }

    static void route(String name, String path, String header) {
        client.resource(KubeFixtures.gatewayRoute(NS, name, """
                match: {path: {prefix: %s}}
                requestHeaders: {set: {X-Change: "%s"}}
                backends: [{url: "%s"}]
                """.formatted(path, header, upstream.url()))).forceConflicts().serverSideApply();
    }

    static String change(String path) {
        var r = gateway.get(path);
        if (r.statusCode() != 200) {
            return "status " + r.statusCode();
        }
        try {
            JsonNode headers = JSON.readTree(r.body()).get("headers");
            for (var it = headers.fields(); it.hasNext();) {
                var e = it.next();
                if (e.getKey().equalsIgnoreCase("X-Change")) {
                    return e.getValue().asText();
                }
            }
            return "none";
        }
        catch (Exception e) {
            return "unreadable";
        }
    }

    @Test
    void applyToFirstRoutedRequest() {
        for (int i = 0; i < PRELOADED; i++) {
            route("pre-" + i, "/pre-" + i + "/", "pre");
        }
        long startedAt = System.nanoTime();
        gateway = KubeGateway.start(api, NS, Map.of("isthmus.kubernetes.namespaces", NS));
        long contextMillis = (System.nanoTime() - startedAt) / 1_000_000;
        long ready = KubeFixtures.millisUntil(Duration.ofSeconds(30),
                () -> gateway.app.bean(RouteTableHolder.class).get().size() >= PRELOADED && change("/pre-" + (PRELOADED - 1) + "/").equals("pre"));
        long startupMillis = (System.nanoTime() - startedAt) / 1_000_000;
        assertThat(ready).isNotNegative();

        route("hot", "/hot/", "0");
        assertThat(KubeFixtures.millisUntil(Duration.ofSeconds(5), () -> change("/hot/").equals("0"))).isNotNegative();

        List<Long> total = new ArrayList<>();
        List<Long> afterApi = new ArrayList<>();
        for (int i = 1; i <= CHANGES; i++) {
            String name = "p-" + i;
            int kind = i % 3;
            long t0 = System.nanoTime();
            String path;
            String expected;
            if (kind == 0) { // create
                route(name, "/" + name + "/", "c" + i);
                path = "/" + name + "/";
                expected = "c" + i;
            }
            else if (kind == 1) { // update
                route("hot", "/hot/", String.valueOf(i));
                path = "/hot/";
                expected = String.valueOf(i);
            }
            else { // delete the route created just before
                String created = "p-" + (i - 2);
                client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(NS).withName(created).delete();
                path = "/" + created + "/";
                expected = "status 404";
            }
            long t1 = System.nanoTime();
            String p = path;
            long waited = KubeFixtures.millisUntil(Duration.ofSeconds(10), () -> change(p).equals(expected));
            assertThat(waited).as("change %d (%s) applied", i, expected).isNotNegative();
            long t2 = System.nanoTime();
            total.add((t2 - t0) / 1_000_000);
            afterApi.add((t2 - t1) / 1_000_000);
        }
        Collections.sort(total);
        Collections.sort(afterApi);
        System.out.printf("[KubernetesPropagationIT] startup with %d GatewayRoutes in the cluster: context up and Kubernetes sources synced %d ms,"
                + " all of them served %d ms after start%n",
                PRELOADED, contextMillis, startupMillis);
        System.out.printf("[KubernetesPropagationIT] apply -> first routed request over %d changes (creates, updates, deletes):"
                + " p50 %d ms, p90 %d ms, p99 %d ms, max %d ms%n", total.size(), pct(total, 50), pct(total, 90), pct(total, 99), total.get(total.size() - 1));
        System.out.printf("[KubernetesPropagationIT] of which after the API server acknowledged the change: p50 %d ms, p99 %d ms, max %d ms%n",
                pct(afterApi, 50), pct(afterApi, 99), afterApi.get(afterApi.size() - 1));
        assertThat(pct(total, 99)).isLessThan(1000);
    }

    /** Nearest-rank percentile of a sorted list. */
    static long pct(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
