package dev.isthmus.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.discovery.ConcurrencyLimiter;
import dev.isthmus.discovery.OutlierDetector;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.Owner;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.runtime.RouteTableListener;
import dev.isthmus.source.RouteSource;
import dev.isthmus.source.RouteSources;
import dev.isthmus.model.SyncStatus;

/**
 * The gateway's own metrics (per-route request timing is Spring Cloud Gateway's
 * {@code spring.cloud.gateway.requests}, every answered request {@link RequestMetrics}'
 * {@code isthmus.requests}; circuit breakers are Resilience4j's). Tags are bounded: sources,
 * owners, route states, never paths or clients.
 * <ul>
 * <li>{@code isthmus.routes{source, owner, state=served|rejected}}: routes (and unreadable
 * objects) per source and owner, the owner derived from provenance: {@code operator} for the routes
 * file, {@code namespace/<ns>} for Kubernetes objects, {@code consul/<dc>/<service>} for Consul;</li>
 * <li>{@code isthmus.routes.table.version}: routing table generation;</li>
 * <li>{@code isthmus.config.propagation{source}}: a source seeing a change to the table swap;</li>
 * <li>{@code isthmus.source.sync.errors{source}}, {@code isthmus.source.synced{source}},
 * {@code isthmus.source.degraded{source}}, {@code isthmus.source.sync.age{source}} (seconds since
 * the source was last known to be up to date: 0 while synced and watching);</li>
 * <li>{@code isthmus.upstream.ejections}: passive-health ejections so far;</li>
 * <li>{@code isthmus.upstream.bulkhead.rejections}: requests refused because their upstream had
 * {@code isthmus.upstream.max-concurrent-requests} in flight.</li>
 * </ul>
 */
public class GatewayMetrics implements MeterBinder, RouteTableListener {

    private final RouteTableHolder tables;
    private final RouteSources sources;
    private final OutlierDetector outliers;
    private final ConcurrencyLimiter bulkhead;
    private final Clock clock;
    private final Instant started;
    private volatile MeterRegistry registry;
    private volatile MultiGauge routes;

    public GatewayMetrics(RouteTableHolder tables, RouteSources sources, OutlierDetector outliers, ConcurrencyLimiter bulkhead) {
        this(tables, sources, outliers, bulkhead, Clock.systemUTC());
    }

    GatewayMetrics(RouteTableHolder tables, RouteSources sources, OutlierDetector outliers, ConcurrencyLimiter bulkhead, Clock clock) {
        this.tables = tables;
        this.sources = sources;
        this.outliers = outliers;
        this.bulkhead = bulkhead;
        this.clock = clock;
        this.started = clock.instant();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        routes = MultiGauge.builder("isthmus.routes").description("Routes served and routes or source objects rejected, by source and owner")
                .register(registry);
        countRoutes(tables.get());
        this.registry = registry;
        Gauge.builder("isthmus.routes.table.version", tables, t -> t.get().version()).description("Routing table generation")
                .register(registry);
        for (RouteSource source : sources.all()) {
            FunctionCounter.builder("isthmus.source.sync.errors", source, s -> s.status().syncErrors()).tag("source", source.id())
                    .description("Failed syncs with the source's backend").register(registry);
            Gauge.builder("isthmus.source.synced", source, s -> s.status().hasSynced() ? 1 : 0).tag("source", source.id())
                    .description("1 once the source has completed its first sync").register(registry);
            Gauge.builder("isthmus.source.degraded", source, s -> s.status().state() == SyncStatus.State.DEGRADED ? 1 : 0)
                    .tag("source", source.id()).description("1 while serving last known good data").register(registry);
            TimeGauge.builder("isthmus.source.sync.age", source, TimeUnit.SECONDS, this::syncAgeSeconds).tag("source", source.id())
                    .description("Since the source was last known to be up to date: 0 while synced and watching").register(registry);
        }
        FunctionCounter.builder("isthmus.upstream.ejections", outliers, OutlierDetector::totalEjections)
                .description("Upstream instances ejected by passive health checking").register(registry);
        FunctionCounter.builder("isthmus.upstream.bulkhead.rejections", bulkhead, ConcurrencyLimiter::rejected)
                .description("Requests refused because their upstream had isthmus.upstream.max-concurrent-requests in flight")
                .register(registry);
    }

    /** 0 while synced; else since the last good sync (or since start-up, before the first one). */
    double syncAgeSeconds(RouteSource source) {
        SyncStatus status = source.status();
        if (status.state() == SyncStatus.State.SYNCED) {
            return 0;
        }
        Instant since = status.lastSync() != null ? status.lastSync() : started;
        return Math.max(0, Duration.between(since, clock.instant()).toMillis() / 1000.0);
    }

    /** Routes per source, owner and state, from the table's verdicts. */
    private void countRoutes(RouteTable table) {
        MultiGauge gauge = routes;
        if (gauge == null) {
            return;
        }
        Map<List<String>, Integer> counts = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        for (RouteStatus status : table.compileResult().statuses()) {
            counts.merge(List.of(status.object().kind().label(), owner(status.object()), status.accepted() ? "served" : "rejected"), 1,
                    Integer::sum);
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        counts.forEach((key, n) -> rows.add(MultiGauge.Row.of(Tags.of("source", key.get(0), "owner", key.get(1), "state", key.get(2)), n)));
        gauge.register(rows, true);
    }

    /**
     * Who a route belongs to, from its provenance alone: the routes file is the operator's, a
     * Kubernetes object its namespace's, a Consul tag route its service's.
     */
    static String owner(ObjectRef object) {
        return Owner.of(object).tag();
    }

    @Override
    public void tableSwapped(RouteTable table, RouteTable previous) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        countRoutes(table);
        table.changes().forEach((source, observedAt) -> {
            Duration delay = Duration.between(observedAt, table.builtAt());
            Timer.builder("isthmus.config.propagation").tag("source", source)
                    .description("From a source seeing a change to the routing table that contains it")
                    .publishPercentileHistogram().register(r).record(Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        });
    }
}
