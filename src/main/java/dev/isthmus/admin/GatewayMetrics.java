package dev.isthmus.admin;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.isthmus.discovery.OutlierDetector;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.runtime.RouteTableListener;
import dev.isthmus.source.RouteSource;
import dev.isthmus.source.RouteSources;
import dev.isthmus.model.SyncStatus;

/**
 * The gateway's own metrics (per-route request metrics are Spring Cloud Gateway's
 * {@code spring.cloud.gateway.requests}; circuit breakers are Resilience4j's). Tags are bounded:
 * source ids and route states, never paths.
 * <ul>
 * <li>{@code isthmus.routes{state=served|rejected}}: routing table size;</li>
 * <li>{@code isthmus.config.propagation{source}}: a source seeing a change to the table swap;</li>
 * <li>{@code isthmus.source.sync.errors{source}}, {@code isthmus.source.synced{source}},
 * {@code isthmus.source.degraded{source}};</li>
 * <li>{@code isthmus.upstream.ejections}: passive-health ejections so far.</li>
 * </ul>
 */
public class GatewayMetrics implements MeterBinder, RouteTableListener {

    private final RouteTableHolder tables;
    private final RouteSources sources;
    private final OutlierDetector outliers;
    private volatile MeterRegistry registry;

    public GatewayMetrics(RouteTableHolder tables, RouteSources sources, OutlierDetector outliers) {
        this.tables = tables;
        this.sources = sources;
        this.outliers = outliers;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("isthmus.routes", tables, t -> t.get().size()).tag("state", "served").description("Routes being served")
                .register(registry);
        Gauge.builder("isthmus.routes", tables, t -> t.get().compileResult().statuses().stream().filter(s -> !s.accepted()).count())
                .tag("state", "rejected").description("Routes and source objects rejected").register(registry);
        Gauge.builder("isthmus.routes.table.version", tables, t -> t.get().version()).description("Routing table generation")
                .register(registry);
        for (RouteSource source : sources.all()) {
            FunctionCounter.builder("isthmus.source.sync.errors", source, s -> s.status().syncErrors()).tag("source", source.id())
                    .description("Failed syncs with the source's backend").register(registry);
            Gauge.builder("isthmus.source.synced", source, s -> s.status().hasSynced() ? 1 : 0).tag("source", source.id())
                    .description("1 once the source has completed its first sync").register(registry);
            Gauge.builder("isthmus.source.degraded", source, s -> s.status().state() == SyncStatus.State.DEGRADED ? 1 : 0)
                    .tag("source", source.id()).description("1 while serving last known good data").register(registry);
        }
        FunctionCounter.builder("isthmus.upstream.ejections", outliers, OutlierDetector::totalEjections)
                .description("Upstream instances ejected by passive health checking").register(registry);
    }

    @Override
    public void tableSwapped(RouteTable table, RouteTable previous) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        table.changes().forEach((source, observedAt) -> {
            Duration delay = Duration.between(observedAt, table.builtAt());
            Timer.builder("isthmus.config.propagation").tag("source", source)
                    .description("From a source seeing a change to the routing table that contains it")
                    .publishPercentileHistogram().register(r).record(Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        });
    }
}
