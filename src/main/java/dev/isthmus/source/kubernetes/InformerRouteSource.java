package dev.isthmus.source.kubernetes;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.model.SourceSnapshot;
import dev.isthmus.source.RouteSource;
import dev.isthmus.source.SourceStatus;
import dev.isthmus.source.SourceStatusTracker;

/**
 * A route source fed by informers: each object is read into its routes and problems when it
 * changes, and the whole set is pushed as a snapshot, coalescing bursts of events into one push.
 * The first snapshot goes out once the informers have listed everything (and Kubernetes discovery
 * has, so routes to services do not go live before their endpoints are known); that is also when
 * the source counts as synced for readiness. A lost watch marks the source DEGRADED while the last
 * snapshot keeps serving.
 *
 * @param <T> the watched type
 */
abstract class InformerRouteSource<T extends HasMetadata> implements RouteSource {

    private static final Comparator<RouteSpec> BY_ID = Comparator.comparing(RouteSpec::id);
    private static final Comparator<SourceProblem> PROBLEM_ORDER = Comparator.comparing((SourceProblem p) -> p.object().toString())
            .thenComparing(p -> Objects.toString(p.routeId(), "")).thenComparing(SourceProblem::message);

    /** What one object yields. */
    record ObjectRoutes(List<RouteSpec> routes, List<SourceProblem> problems) {
        ObjectRoutes {
            routes = List.copyOf(routes);
            problems = List.copyOf(problems);
        }
    }

    protected final Logger log = LoggerFactory.getLogger(getClass());
    protected final Clock clock = Clock.systemUTC();
    private final String id;
    private final SourceStatusTracker status;
    private final CompletionStage<?> prerequisite;
    private final WatchMonitor monitor;
    private final Map<String, ObjectRoutes> objects = new ConcurrentHashMap<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicReference<Instant> pendingSince = new AtomicReference<>();
    private final ExecutorService emitter;
    private volatile NamespacedInformers<T> informers;
    private volatile Consumer<SourceSnapshot> sink;
    private volatile boolean synced;
    private List<RouteSpec> lastRoutes;
    private List<SourceProblem> lastProblems;

    /** @param prerequisite completes when the source may go live (Kubernetes discovery synced) */
    InformerRouteSource(String id, CompletionStage<?> prerequisite, WatchMonitor monitor) {
        this.id = id;
        this.status = new SourceStatusTracker(id);
        this.prerequisite = prerequisite;
        this.monitor = monitor;
        this.emitter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "isthmus-" + id + "-source");
            t.setDaemon(true);
            return t;
        });
    }

    /** The informers over this source's objects, not yet started. */
    protected abstract NamespacedInformers<T> createInformers(ResourceEventHandler<T> handler, BiConsumer<String, Throwable> onError);

    /** What an object yields; null when it is not for this gateway (another gateway class). */
    protected abstract ObjectRoutes read(T object);

    /** Whether a change cannot have changed the object's routes (only its status did), so it need not be read again. */
    protected abstract boolean sameRoutes(T before, T after);

    /** Kind of object for logs: {@code GatewayRoute}. */
    protected abstract String kind();

    @Override
    public String id() {
        return id;
    }

    @Override
    public SourceStatus status() {
        return status.get();
    }

    /** The cached object, or null (status writing reads the object the informer last saw). */
    public T cached(String namespace, String name) {
        NamespacedInformers<T> i = informers;
        return i == null ? null : i.get(namespace, name);
    }

    @Override
    public void start(Consumer<SourceSnapshot> sink) {
        this.sink = sink;
        informers = createInformers(new Handler(), this::failed);
        log.info("Watching {}s in {}", kind(), informers.scope());
        CompletableFuture<Void> listed = informers.start();
        listed.thenCombine(prerequisite, (a, b) -> null).whenComplete((v, e) -> {
            if (e != null) {
                return; // stopped before the first sync
            }
            synced = true;
            schedule(clock.instant());
            monitor.follow(kind() + "s", informers::isWatching, this::watchLost, this::watchResumed);
        });
    }

    private void failed(String where, Throwable error) {
        String message = "listing or watching " + informers.resource() + " in " + where + " failed: " + describe(error);
        status.failed(message);
        log.warn("{} source: {}; retrying with backoff{}", kind(), message,
                synced ? ", serving the last known routes" : " (not synced yet: readiness waits)");
    }

    private void watchLost() {
        String message = "lost the watch on " + informers.resource() + " in " + informers.scope()
                + " (API server unreachable or refusing); reconnecting, serving the last known routes";
        status.failed(message);
        log.warn("{} source: {}", kind(), message);
    }

    private void watchResumed() {
        log.info("{} source: watch on {} resumed at resource version {}", kind(), informers.resource(), informers.resourceVersion());
        schedule(clock.instant()); // re-marks the source synced, and pushes whatever a relist brought
    }

    private final class Handler implements ResourceEventHandler<T> {
        @Override
        public void onAdd(T obj) {
            put(obj);
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            if (!sameRoutes(oldObj, newObj)) {
                put(newObj);
            }
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            if (objects.remove(key(obj)) != null) {
                schedule(clock.instant());
            }
        }
    }

    private void put(T obj) {
        Instant seen = clock.instant();
        ObjectRoutes routes;
        try {
            routes = read(obj);
        }
        catch (RuntimeException e) {
            // A bug in reading one object must not stop the others from being read.
            log.error("{} {}: could not be read", kind(), key(obj), e);
            return;
        }
        String key = key(obj);
        ObjectRoutes before = routes == null ? objects.remove(key) : objects.put(key, routes);
        if (!Objects.equals(before, routes)) {
            log.debug("{} {} changed at resource version {}", kind(), key, obj.getMetadata().getResourceVersion());
            schedule(seen);
        }
    }

    private void schedule(Instant seen) {
        pendingSince.accumulateAndGet(seen, (a, b) -> a == null || b.isBefore(a) ? b : a);
        if (synced && scheduled.compareAndSet(false, true)) {
            emitter.execute(this::emit);
        }
    }

    private void emit() {
        scheduled.set(false);
        Instant observed = pendingSince.getAndSet(null);
        List<RouteSpec> routes = new ArrayList<>();
        List<SourceProblem> problems = new ArrayList<>();
        for (ObjectRoutes o : objects.values()) {
            routes.addAll(o.routes());
            problems.addAll(o.problems());
        }
        routes.sort(BY_ID);
        problems.sort(PROBLEM_ORDER);
        String version = informers.resourceVersion();
        String detail = routes.size() + " route(s), " + problems.size() + " problem(s) from " + objects.size() + " " + kind()
                + "(s) in " + informers.scope();
        boolean changed = !routes.equals(lastRoutes) || !problems.equals(lastProblems);
        status.synced(version, changed, detail);
        if (!changed) {
            return;
        }
        boolean first = lastRoutes == null;
        lastRoutes = routes;
        lastProblems = problems;
        if (first) {
            log.info("{} source synced at resource version {}: {}", kind(), version, detail);
        }
        sink.accept(new SourceSnapshot(id, routes, problems, version, observed == null ? clock.instant() : observed));
    }

    @Override
    public void stop() {
        status.stopped();
        if (informers != null) {
            informers.close();
        }
        emitter.shutdownNow();
    }

    protected static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    /** An API error without the stack: status code and message, which name RBAC and schema problems exactly. */
    static String describe(Throwable error) {
        Throwable e = error;
        while (e.getCause() != null && e.getCause() != e && !(e instanceof io.fabric8.kubernetes.client.KubernetesClientException kce && kce.getCode() > 0)) {
            e = e.getCause();
        }
        if (e instanceof io.fabric8.kubernetes.client.KubernetesClientException kce && kce.getCode() > 0) {
            String message = kce.getStatus() != null && kce.getStatus().getMessage() != null ? kce.getStatus().getMessage() : kce.getMessage();
            return "HTTP " + kce.getCode() + ": " + message;
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
