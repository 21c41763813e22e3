package dev.isthmus.platform.consul;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.SmartLifecycle;

import dev.isthmus.platform.consul.ConsulFailure.Kind;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.model.SyncStatusTracker;
import dev.isthmus.platform.LifecyclePhases;

/**
 * The real-time Consul watch behind both the service registry and the tag route source: one
 * {@link DatacenterWatch} per datacenter ({@code isthmus.consul.datacenters}, or the agent's own),
 * all on one scheduler thread, publishing an immutable {@link ConsulView} to its listeners after
 * every change. Keeps the last known catalog through outages, reports them (status, log, metrics)
 * and resyncs when the agent answers again.
 *
 * <p>Metrics: {@code isthmus.consul.sync.errors} (counter; datacenter, kind),
 * {@code isthmus.consul.queries} (counter; datacenter, result changed|unchanged),
 * {@code isthmus.consul.connected} (gauge 1/0; datacenter), {@code isthmus.consul.watches}
 * (gauge; datacenter: blocking queries held).
 */
public final class ConsulCatalogWatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ConsulCatalogWatcher.class);
    /** Label for failures before the agent's own datacenter is known. */
    private static final String LOCAL = "(agent's datacenter)";

    private final ConsulHttpClient http;
    private final List<String> configuredDatacenters;
    private final boolean exposeByDefault;
    private final int maxTagged;
    private final Backoff backoff;
    private final MeterRegistry meters;
    private final SyncStatusTracker status = new SyncStatusTracker("consul-discovery");
    private final List<Consumer<ConsulView>> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, DatacenterWatch> watches = new LinkedHashMap<>();
    private final Map<String, Boolean> connected = new ConcurrentHashMap<>();
    private final Map<String, Integer> watchCounts = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private volatile ConsulView view = ConsulView.EMPTY;
    private volatile boolean running;
    private volatile Scheduler scheduler;
    private String defaultDatacenter;
    private volatile Map<String, Set<String>> demand = Map.of();
    private final List<String> failoverDatacenters;
    private ConsulFailure resolveFailure;
    private int resolveAttempts;
    private Disposable resolving;

    public ConsulCatalogWatcher(ConsulHttpClient http, List<String> datacenters, boolean exposeByDefault, Duration minBackoff,
            Duration maxBackoff, MeterRegistry meters) {
        this(http, datacenters, exposeByDefault, 0, minBackoff, maxBackoff, meters);
    }

    /** @param maxTagged most services watched per datacenter for their tag routes (isthmus.ownership.quotas.consul-tagged-services); 0: no limit */
    public ConsulCatalogWatcher(ConsulHttpClient http, List<String> datacenters, boolean exposeByDefault, int maxTagged, Duration minBackoff,
            Duration maxBackoff, MeterRegistry meters) {
        this(http, datacenters, List.of(), exposeByDefault, maxTagged, minBackoff, maxBackoff, meters);
    }

    /**
     * @param failoverDatacenters where names without a datacenter may fail over to
     *     (isthmus.consul.failover.datacenters): those names are watched there too
     */
    public ConsulCatalogWatcher(ConsulHttpClient http, List<String> datacenters, List<String> failoverDatacenters, boolean exposeByDefault,
            int maxTagged, Duration minBackoff, Duration maxBackoff, MeterRegistry meters) {
        this.failoverDatacenters = List.copyOf(failoverDatacenters);
        this.maxTagged = maxTagged;
        this.http = http;
        this.configuredDatacenters = datacenters == null ? List.of()
                : datacenters.stream().map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
        this.exposeByDefault = exposeByDefault;
        this.backoff = new Backoff(minBackoff, maxBackoff);
        this.meters = meters;
    }

    // --- what others read (any thread) ---

    public ConsulView view() {
        return view;
    }

    /** The watch's sync state (connection, errors), for admin output and health. */
    public SyncStatus status() {
        return status.get();
    }

    /** Called on the watch thread with every new view; must not block. */
    public void addListener(Consumer<ConsulView> listener) {
        listeners.add(listener);
    }

    /**
     * The services routes refer to, by datacenter (null: the default datacenter). Only these and
     * services with {@code isthmus.*} tags are watched.
     */
    public void demand(Map<String, Set<String>> byDatacenter) {
        demand = Map.copyOf(byDatacenter.entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey() == null ? "" : e.getKey(), e -> Set.copyOf(e.getValue()), (a, b) -> a)));
        Scheduler s = scheduler;
        if (s != null && running) {
            s.schedule(this::applyDemand);
        }
    }

    /** The services routes name without a datacenter (demanded for the default datacenter). */
    public Set<String> demandedWithoutDatacenter() {
        return demand.getOrDefault("", Set.of());
    }

    // --- lifecycle ---

    @Override
    public void start() {
        scheduler = Schedulers.newSingle("isthmus-consul", true);
        running = true;
        log.info("Watching {} (datacenters: {}); blocking queries wait up to {}", http,
                configuredDatacenters.isEmpty() ? "the agent's own" : configuredDatacenters, http.waitTime());
        scheduler.schedule(configuredDatacenters.isEmpty() ? this::resolveLocalDatacenter : () -> watchAll(configuredDatacenters, true));
    }

    @Override
    public void stop() {
        running = false;
        Scheduler s = scheduler;
        if (s != null) {
            // Stop the queries on their own thread (closing their connections), then the thread.
            java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
            try {
                s.schedule(() -> {
                    try {
                        watches.values().forEach(DatacenterWatch::stop);
                        if (resolving != null) {
                            resolving.dispose();
                        }
                    }
                    finally {
                        stopped.countDown();
                    }
                });
                stopped.await(2, TimeUnit.SECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            catch (java.util.concurrent.RejectedExecutionException ignored) {
                // already shut down
            }
            s.dispose();
        }
        status.stopped();
        http.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Before the route sources (which listen to this), after the beans that feed demand. */
    @Override
    public int getPhase() {
        return LifecyclePhases.REGISTRIES;
    }

    // --- the agent's own datacenter ---

    /**
     * Route ids name the datacenter ({@code consul/<dc>/<service>}), so the agent's own is needed:
     * {@code /v1/agent/self} (needs agent:read), else the first of {@code /v1/catalog/datacenters},
     * which Consul sorts by round-trip time, nearest (the agent's own) first.
     */
    private void resolveLocalDatacenter() {
        resolving = http.get("/v1/agent/self", Map.of(), "agent self").map(r -> ConsulJson.agentDatacenter(r.body()))
                .onErrorResume(e -> e instanceof ConsulFailure f && f.kind() == Kind.ACL && !f.getMessage().contains("unknown to Consul"),
                        e -> http.get("/v1/catalog/datacenters", Map.of(), "datacenters").map(r -> {
                            List<String> dcs = ConsulJson.datacenters(r.body());
                            if (dcs.isEmpty()) {
                                throw new ConsulFailure(Kind.INVALID_RESPONSE, "the agent lists no datacenter");
                            }
                            log.info("The token may not read /v1/agent/self (agent:read); taking the nearest datacenter '{}' as the agent's own."
                                    + " Set isthmus.consul.datacenters to choose explicitly.", dcs.get(0));
                            return dcs.get(0);
                        }))
                .publishOn(scheduler)
                .subscribe(dc -> {
                    if (dc == null || dc.isBlank()) {
                        resolveFailed(new ConsulFailure(Kind.INVALID_RESPONSE, "/v1/agent/self has no Config.Datacenter"));
                        return;
                    }
                    if (resolveFailure != null) {
                        log.info("Consul answers again after {} failed attempt(s)", resolveAttempts);
                    }
                    resolveFailure = null;
                    watchAll(List.of(dc), false);
                }, e -> resolveFailed(ConsulFailure.ofError(e, "agent self")));
    }

    private void resolveFailed(ConsulFailure failure) {
        if (!running) {
            return;
        }
        resolveAttempts++;
        countError(LOCAL, failure);
        if (resolveFailure == null || resolveFailure.kind() != failure.kind()) {
            log.warn("Consul {} cannot be read yet: {}; retrying with backoff ({} to {})", http.baseUrl(), failure.describe(),
                    backoff.min(), backoff.max());
        }
        resolveFailure = failure;
        status.failed(failure.describe());
        publish();
        Duration delay = backoff.delay(resolveAttempts);
        scheduler.schedule(this::resolveLocalDatacenter, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    // --- datacenters ---

    private void watchAll(List<String> datacenters, boolean explicit) {
        if (!running) {
            return;
        }
        defaultDatacenter = datacenters.get(0);
        for (String dc : datacenters) {
            DatacenterWatch w = new DatacenterWatch(dc, explicit, http, scheduler, backoff, exposeByDefault, maxTagged, new Reporter());
            watches.put(dc, w);
            connected.put(dc, false);
            watchCounts.put(dc, 1);
            Gauge.builder("isthmus.consul.connected", connected, m -> Boolean.TRUE.equals(m.get(dc)) ? 1 : 0)
                    .description("1 while the gateway is in sync with this Consul datacenter").tag("datacenter", dc).register(meters);
            Gauge.builder("isthmus.consul.watches", watchCounts, m -> m.getOrDefault(dc, 0))
                    .description("Blocking queries held open on this datacenter (catalog plus watched services)")
                    .tag("datacenter", dc).register(meters);
        }
        applyDemand();
        watches.values().forEach(DatacenterWatch::start);
    }

    private void applyDemand() {
        Map<String, Set<String>> byDatacenter = demand;
        for (DatacenterWatch w : watches.values()) {
            Set<String> names = new java.util.HashSet<>(byDatacenter.getOrDefault(w.name(), Set.of()));
            // a name without a datacenter may be answered by a failover datacenter: watch it there too
            if (w.name().equals(defaultDatacenter) || failoverDatacenters.contains(w.name())) {
                names.addAll(byDatacenter.getOrDefault("", Set.of()));
            }
            w.demand(names);
        }
    }

    private void publish() {
        Map<String, ConsulView.Datacenter> dcs = new LinkedHashMap<>();
        for (DatacenterWatch w : watches.values()) {
            ConsulView.Datacenter d = w.view();
            dcs.put(w.name(), d);
            connected.put(w.name(), d.failure() == null && d.initialSyncDone());
            watchCounts.put(w.name(), d.watches());
        }
        ConsulView next = new ConsulView(defaultDatacenter, dcs, resolveFailure);
        view = next;
        if (next.healthy()) {
            status.synced(next.version(), true, detail(next));
        }
        else if (next.initialSyncDone() && !status.get().hasSynced()) {
            // Some datacenter synced while another fails: in service, degraded.
            status.degraded(next.version(), true, detail(next), describe(next.failures()));
        }
        for (Consumer<ConsulView> l : listeners) {
            try {
                l.accept(next);
            }
            catch (RuntimeException e) {
                log.error("Consul view listener {} failed", l, e);
            }
        }
    }

    /** Each failure as {@code dc: what failed}, for status output. */
    public static List<String> describe(Map<String, ConsulFailure> failures) {
        List<String> out = new ArrayList<>();
        failures.forEach((dc, f) -> out.add((dc.isEmpty() ? "" : dc + ": ") + f.describe()));
        return out;
    }

    private static String detail(ConsulView v) {
        List<String> parts = new ArrayList<>();
        for (ConsulView.Datacenter d : v.datacenters().values()) {
            parts.add(d.name() + ": " + (d.catalog() == null ? 0 : d.catalog().size()) + " service(s), " + (d.watches() - 1) + " watched");
        }
        return String.join("; ", parts);
    }

    private void countError(String dc, ConsulFailure failure) {
        counters.computeIfAbsent(dc + "|" + failure.kind(), k -> Counter.builder("isthmus.consul.sync.errors")
                .description("Failed Consul reads (the gateway keeps its last known catalog)").tag("datacenter", dc)
                .tag("kind", failure.kind().label()).register(meters)).increment();
    }

    /** Turns datacenter events into metrics, status, logs and views. */
    private final class Reporter implements DatacenterWatch.Listener {

        private final Map<String, Kind> loggedKind = new HashMap<>();

        @Override
        public void changed() {
            publish();
        }

        @Override
        public void answered(String datacenter, boolean mayHaveChanged) {
            counters.computeIfAbsent(datacenter + "|q|" + mayHaveChanged, k -> Counter.builder("isthmus.consul.queries")
                    .description("Answered blocking queries; 'changed' answers may carry new data, 'unchanged' ones are wait timeouts")
                    .tag("datacenter", datacenter).tag("result", mayHaveChanged ? "changed" : "unchanged").register(meters)).increment();
        }

        @Override
        public void failed(String datacenter, String query, ConsulFailure failure, boolean firstOfOutage) {
            countError(datacenter, failure);
            status.failed(datacenter + ": " + failure.describe());
            ConsulView.Datacenter d = view.datacenters().get(datacenter);
            if (firstOfOutage || loggedKind.get(datacenter) != failure.kind()) {
                loggedKind.put(datacenter, failure.kind());
                int services = d == null || d.services() == null ? 0 : d.services().size();
                log.warn("Consul {} failing: {}. Serving the last known catalog ({} watched service(s)); retrying with backoff {} to {}",
                        datacenter, failure.describe(), services, backoff.min(), backoff.max());
            }
        }

        @Override
        public void recovered(String datacenter, Instant failingSince) {
            loggedKind.remove(datacenter);
            Duration down = failingSince == null ? Duration.ZERO : Duration.between(failingSince, Instant.now());
            log.info("Consul {} answers again after {} ms of failures; resyncing every watch now", datacenter, down.toMillis());
        }
    }
}
