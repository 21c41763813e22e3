package dev.isthmus.source.consul;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.platform.consul.ConsulCatalogWatcher;
import dev.isthmus.platform.consul.ConsulFailure;
import dev.isthmus.platform.consul.ConsulView;
import dev.isthmus.platform.consul.RegisteredInstance;
import dev.isthmus.model.Provenance;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.model.SourceSnapshot;
import dev.isthmus.source.RouteSource;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.model.SyncStatusTracker;
import dev.isthmus.model.ConditionReason;

/**
 * Routes declared by Consul services through their tags ({@link ConsulTagRoutes}), from the
 * watch's views: a whole snapshot whenever the set of routes or problems changes, none while
 * Consul is unreachable (the aggregator keeps the last one, and this source reports itself degraded).
 *
 * <p>Route id {@code consul/<dc>/<service>}; generation: the {@code X-Consul-Index} at which the
 * service's route last changed (stable while it does not); created: when the service was first seen.
 */
public final class ConsulRouteSource implements RouteSource {

    private static final Logger log = LoggerFactory.getLogger(ConsulRouteSource.class);

    /** The last reading of one service, reused while its instances are the same objects. */
    private record Entry(String datacenter, String service, ConsulView.ServiceHealth health, ConsulTagRoutes.Result result,
            long generation, java.util.Set<String> tags) {
    }

    private final ConsulCatalogWatcher watcher;
    private final boolean exposeByDefault;
    private final SyncStatusTracker status = new SyncStatusTracker("consul");
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Entry> entries = new HashMap<>();
    private final Map<String, Instant> firstSeen = new HashMap<>();
    private Consumer<SourceSnapshot> sink;
    private SourceSnapshot last;
    private Map<String, ConsulFailure> reportedFailures = Map.of();
    private volatile boolean stopped;

    public ConsulRouteSource(ConsulCatalogWatcher watcher, boolean exposeByDefault) {
        this.watcher = watcher;
        this.exposeByDefault = exposeByDefault;
    }

    @Override
    public String id() {
        return "consul";
    }

    @Override
    public synchronized void start(Consumer<SourceSnapshot> sink) {
        this.sink = sink;
        watcher.addListener(this::viewChanged);
        viewChanged(watcher.view()); // in case the watch synced before this source started
    }

    @Override
    public void stop() {
        stopped = true;
        status.stopped();
    }

    @Override
    public SyncStatus status() {
        return status.get();
    }

    synchronized void viewChanged(ConsulView view) {
        if (sink == null || stopped) {
            return;
        }
        Instant now = clock.instant();
        Map<String, ConsulFailure> failures = view.failures();
        if (!failures.isEmpty() && !sameKinds(failures, reportedFailures)) {
            ConsulCatalogWatcher.describe(failures).forEach(status::failed);
        }
        reportedFailures = failures;
        if (!view.initialSyncDone()) {
            return;
        }
        List<RouteSpec> routes = new ArrayList<>();
        List<SourceProblem> problems = new ArrayList<>();
        Map<String, Entry> seen = new LinkedHashMap<>();
        for (ConsulView.Datacenter dc : view.datacenters().values()) {
            if (dc.catalog() == null) {
                // not read yet (failing): keep what this datacenter declared before
                carryOver(dc.name(), seen);
                continue;
            }
            for (ConsulView.ServiceHealth health : dc.services().values()) {
                if (!dc.catalog().containsKey(health.name())) {
                    continue;
                }
                String id = ConsulTagRoutes.routeId(dc.name(), health.name());
                seen.put(id, read(dc.name(), health, id, now));
            }
            for (String service : dc.overQuota()) {
                problems.add(new SourceProblem(ConsulTagRoutes.object(dc.name(), service), ConsulTagRoutes.routeId(dc.name(), service),
                        ConditionReason.QUOTA_EXCEEDED, "service " + service + " in " + dc.name() + ": the datacenter's quota of "
                                + "services with tag routes is used up (isthmus.ownership.quotas.consul-tagged-services); it is not watched"));
            }
        }
        entries.keySet().retainAll(seen.keySet());
        firstSeen.keySet().retainAll(seen.keySet());
        entries.putAll(seen);
        seen.forEach((id, entry) -> {
            String dc = entry.datacenter();
            String service = entry.service();
            if (entry.result() instanceof ConsulTagRoutes.Route r) {
                routes.add(new RouteSpec(id, service, new Provenance(ConsulTagRoutes.object(dc, service), entry.generation(),
                        firstSeen.get(id), entry.tags()), r.spec()));
            }
            else if (entry.result() instanceof ConsulTagRoutes.Rejected rejected) {
                // with the index the tags were read at: the verdict written back names the generation it is about
                problems.add(new SourceProblem(ConsulTagRoutes.object(dc, service), id, ConditionReason.INVALID_TAG, rejected.message(),
                        entry.generation()));
            }
        });
        String version = view.version();
        boolean changed = last == null || !last.routes().equals(routes) || !last.problems().equals(problems);
        String detail = routes.size() + " route(s), " + problems.size() + " rejected, from " + view.datacenters().size() + " datacenter(s)";
        if (failures.isEmpty() || changed || !status.get().hasSynced()) {
            // What the reachable datacenters declare is in service; the failing ones keep the source degraded.
            status.degraded(version, changed, detail, ConsulCatalogWatcher.describe(failures));
        }
        if (changed) {
            last = new SourceSnapshot(id(), routes, problems, version, now);
            log.debug("Consul routes: {} route(s), {} rejected", routes.size(), problems.size());
            sink.accept(last);
        }
    }

    private Entry read(String dc, ConsulView.ServiceHealth health, String id, Instant now) {
        Entry previous = entries.get(id);
        if (previous != null && previous.health() == health) {
            return previous;
        }
        Map<String, List<String>> tags = new LinkedHashMap<>();
        for (RegisteredInstance i : health.instances()) {
            tags.put(i.id(), i.tags());
        }
        ConsulTagRoutes.Result result = ConsulTagRoutes.read(dc, health.name(), tags, exposeByDefault);
        if (!(result instanceof ConsulTagRoutes.NotExposed)) {
            firstSeen.putIfAbsent(id, now);
        }
        java.util.Set<String> common = ConsulTagRoutes.commonTags(tags);
        long generation = previous != null && Objects.equals(previous.result(), result) && previous.tags().equals(common)
                ? previous.generation() : health.index();
        return new Entry(dc, health.name(), health, result, generation, common);
    }

    private void carryOver(String dc, Map<String, Entry> seen) {
        String prefix = ConsulTagRoutes.routeId(dc, "");
        entries.forEach((id, entry) -> {
            if (id.startsWith(prefix)) {
                seen.put(id, entry);
            }
        });
    }

    private static boolean sameKinds(Map<String, ConsulFailure> a, Map<String, ConsulFailure> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (var e : a.entrySet()) {
            if (e.getValue().kind() != b.get(e.getKey()).kind()) {
                return false;
            }
        }
        return true;
    }
}
