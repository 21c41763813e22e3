package dev.isthmus.source.kubernetes;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.status.GatewayRouteStatusWriter;

/** A {@link GatewayApp} with the Kubernetes integration on, and what tests ask of it. */
final class KubeGateway implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final GatewayApp app;

    private KubeGateway(GatewayApp app) {
        this.app = app;
    }

    /** Started, with both Kubernetes sources synced (what readiness waits for). */
    static KubeGateway start(KubeApiServer api, String namespace, Map<String, String> extra) {
        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, namespace));
        props.putAll(extra);
        KubeGateway g = new KubeGateway(GatewayApp.start(null, props));
        if (!Await.until(Duration.ofSeconds(30), () -> g.app.bean(GatewayRouteSource.class).status().hasSynced()
                && g.app.bean(ConfigMapRouteSource.class).status().hasSynced())) {
            g.close();
            throw new IllegalStateException("Kubernetes sources did not sync within 30 s");
        }
        return g;
    }

    GatewayRouteStatusWriter writer() {
        return app.bean(GatewayRouteStatusWriter.class);
    }

    boolean awaitLeader() {
        return Await.until(Duration.ofSeconds(30), () -> writer().isLeader());
    }

    /** The compile verdict for a route id in the table being served, or null. */
    RouteStatus verdict(String routeId) {
        return app.bean(RouteTableHolder.class).get().compileResult().statuses().stream()
                .filter(s -> routeId.equals(s.routeId())).findFirst().orElse(null);
    }

    HttpResponse<String> get(String path, String... headers) {
        var req = app.request(path);
        for (int i = 0; i < headers.length; i += 2) {
            req.header(headers[i], headers[i + 1]);
        }
        return app.send(req.timeout(Duration.ofSeconds(10)).build());
    }

    /** The echo server that answered, or "status N". */
    String server(String path, String... headers) {
        HttpResponse<String> r = get(path, headers);
        if (r.statusCode() != 200) {
            return "status " + r.statusCode();
        }
        try {
            JsonNode body = JSON.readTree(r.body());
            return body.get("server").asText();
        }
        catch (Exception e) {
            return "not json: " + r.body();
        }
    }

    /** Runs a change and returns milliseconds until the condition holds (polling every few ms), -1 if never within 10 s. */
    static long timeTo(Runnable change, BooleanSupplier condition) {
        long start = System.nanoTime();
        change.run();
        long waited = KubeFixtures.millisUntil(Duration.ofSeconds(10), condition);
        return waited < 0 ? -1 : (System.nanoTime() - start) / 1_000_000;
    }

    @Override
    public void close() {
        app.close();
    }
}
