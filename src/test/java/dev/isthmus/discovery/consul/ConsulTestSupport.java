package dev.isthmus.discovery.consul;

import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.MeterRegistry;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.source.RouteSource;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.platform.consul.ConsulCatalogWatcher;

/** What the Consul integration tests share: gateway properties and readings of its state. */
public final class ConsulTestSupport {

    private ConsulTestSupport() {
    }

    /** Properties of a gateway watching {@code consul}, plus {@code extra} pairs (key, value, ...). */
    public static Map<String, String> gatewayProperties(ConsulServer consul, String... extra) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("isthmus.consul.enabled", "true");
        p.put("spring.cloud.consul.host", "127.0.0.1");
        p.put("spring.cloud.consul.port", String.valueOf(consul.port()));
        p.put("isthmus.consul.min-backoff", "100ms");
        p.put("isthmus.consul.max-backoff", "1s");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            p.put(extra[i], extra[i + 1]);
        }
        return p;
    }

    /** Which echo server answered ({@code X-Upstream}), or {@code status <code>}. */
    public static String upstream(HttpResponse<String> r) {
        return r.statusCode() == 200 ? r.headers().firstValue("X-Upstream").orElse("?") : "status " + r.statusCode();
    }

    public static Optional<RouteStatus> routeStatus(GatewayApp gateway, String routeId) {
        return gateway.bean(RouteTableHolder.class).get().compileResult().statuses().stream()
                .filter(s -> routeId.equals(s.routeId())).findFirst();
    }

    public static List<RouteStatus> statuses(GatewayApp gateway) {
        return gateway.bean(RouteTableHolder.class).get().compileResult().statuses();
    }

    /** The {@code consul} route source's status. */
    public static SyncStatus sourceStatus(GatewayApp gateway) {
        return gateway.context().getBeansOfType(RouteSource.class).values().stream().filter(s -> s.id().equals("consul"))
                .findFirst().orElseThrow().status();
    }

    public static ConsulCatalogWatcher watcher(GatewayApp gateway) {
        return gateway.bean(ConsulCatalogWatcher.class);
    }

    public static double counter(GatewayApp gateway, String name, String... tags) {
        var c = gateway.bean(MeterRegistry.class).find(name).tags(tags).counters();
        return c.stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    public static double gauge(GatewayApp gateway, String name, String... tags) {
        var g = gateway.bean(MeterRegistry.class).find(name).tags(tags).gauge();
        return g == null ? Double.NaN : g.value();
    }

    public static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
