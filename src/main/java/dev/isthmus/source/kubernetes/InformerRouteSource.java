package dev.isthmus.source.kubernetes;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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

import dev.isthmus.model.PolicyDefinition;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.model.SourceSnapshot;
import dev.isthmus.source.RouteSource;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.model.SyncStatusTracker;
import dev.isthmus.platform.kubernetes.NamespacedInformers;
import dev.isthmus.platform.kubernetes.WatchMonitor;
import dev.isthmus.platform.kubernetes.KubernetesErrors;
import dev.isthmus.platform.DaemonThreads;

/**
 * A route source fed by informers. Every push is computed from the informers' caches as they are
 * at that moment, so the first one holds every object the initial list returned (event handlers
 * run asynchronously and may not have seen them all yet), and bursts of events coalesce into one
 * push. Objects are read into routes again only when they changed in a way that matters.
 * <p>
 * The first push goes out once the informers have listed everything and Kubernetes discovery
 * has too (so routes to services do not go live before their endpoints are known); that is when
 * the source counts as synced for readiness. A lost watch marks it DEGRADED while the last push
 * keeps serving.
 *
 * @param <T> the watched type
 */
abstract class InformerRouteSource<T extends HasMetadata> implements RouteSource {

    private static final Comparator<RouteSpec> BY_ID = Comparator.comparing(RouteSpec::id);
    private static final Comparator<SourceProblem> PROBLEM_ORDER = Comparator.comparing((SourceProblem p) -> p.object().toString())
            .thenComparing(p -> Objects.toString(p.routeId(), "")).thenComparing(SourceProblem::message);

    /** What one object yields. */
    record ObjectRoutes(List<RouteSpec> routes, List<PolicyDefinition> policies, List<SourceProblem> problems) {
        ObjectRoutes {
            routes = List.copyOf(routes);
            policies = List.copyOf(policies);
            problems = List.copyOf(problems);
        }

        ObjectRoutes(List<RouteSpec> routes, List<SourceProblem> problems) {
            this(routes, List.of(), problems);
        }
    }

    /** An object as last read, and what it yielded (null: not for this gateway). */
    private record Read<T>(T object, Instant created, ObjectRoutes routes) {
    }

    protected final Logger log = LoggerFactory.getLogger(getClass());
    protected final Clock clock = Clock.systemUTC();
    private final String id;
    private final SyncStatusTracker status;
    private final CompletionStage<?> prerequisite;
    private final WatchMonitor monitor;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicReference<Instant> pendingSince = new AtomicReference<>();
    private final ExecutorService emitter;
    private volatile NamespacedInformers<T> informers;
    private volatile Consumer<SourceSnapshot> sink;
    private volatile boolean synced;
    private volatile Runnable unfollow = () -> { };
    // touched on the emitter thread only
    private final Map<String, Read<T>> reads = new HashMap<>();
    private List<RouteSpec> lastRoutes;
    private List<PolicyDefinition> lastPolicies;
    private List<SourceProblem> lastProblems;

    /** @param prerequisite completes when the source may go live (Kubernetes discovery synced) */
    InformerRouteSource(String id, CompletionStage<?> prerequisite, WatchMonitor monitor) {
        this.id = id;
        this.status = new SyncStatusTracker(id);
        this.prerequisite = prerequisite;
        this.monitor = monitor;
        this.emitter = Executors.newSingleThreadExecutor(DaemonThreads.named("isthmus-" + id + "-source"));
    }

    /** The informers over this source's objects, not yet started. */
    protected abstract NamespacedInformers<T> createInformers(ResourceEventHandler<T> handler, BiConsumer<String, Throwable> onError);

    /**
     * What an object yields; null when it is not for this gateway (another gateway class).
     * {@code created} dates its routes for conflicts ({@link #created}).
     */
    protected abstract ObjectRoutes read(T object, Instant created);

    /** Whether a change cannot have changed what the object yields (e.g. only its status changed). */
    protected abstract boolean sameRoutes(T before, T after);

    /** Kind of object for logs: {@code GatewayRoute}. */
    protected abstract String resourceKind();

    @Override
    public String id() {
        return id;
    }

    @Override
    public SyncStatus status() {
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
        log.info("Watching {}s in {}", resourceKind(), informers.scope());
        CompletableFuture<Void> listed = informers.start();
        listed.thenCombine(prerequisite, (a, b) -> null).whenComplete((v, e) -> {
            if (e != null) {
                return; // stopped before the first sync
            }
            synced = true;
            schedule(clock.instant());
            unfollow = monitor.follow(resourceKind() + "s", informers::isWatching, this::watchLost, this::watchResumed);
        });
    }

    private void failed(String where, Throwable error) {
        String message = "listing or watching " + informers.resource() + " in " + where + " failed: " + KubernetesErrors.describe(error);
        status.failed(message);
        log.warn("{} source: {}; retrying with backoff{}", resourceKind(), message,
                synced ? ", serving the last known routes" : " (not synced yet: readiness waits)");
    }

    private void watchLost() {
        String message = "lost the watch on " + informers.resource() + " in " + informers.scope()
                + " (API server unreachable or refusing); reconnecting, serving the last known routes";
        status.failed(message);
        log.warn("{} source: {}", resourceKind(), message);
    }

    private void watchResumed() {
        log.info("{} source: watch on {} resumed at resource version {}", resourceKind(), informers.resource(), informers.resourceVersion());
        schedule(clock.instant()); // re-marks the source synced, and pushes whatever a relist brought
    }

    private final class Handler implements ResourceEventHandler<T> {
        @Override
        public void onAdd(T obj) {
            changed(obj);
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            if (!sameRoutes(oldObj, newObj)) {
                changed(newObj);
            }
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            changed(obj);
        }
    }

    private void changed(T obj) {
        log.debug("{} {} changed at resource version {}", kind(), key(obj), obj.getMetadata().getResourceVersion());
        schedule(clock.instant());
    }

    private void schedule(Instant seen) {
        pendingSince.accumulateAndGet(seen, (a, b) -> a == null || b.isBefore(a) ? b : a);
        if (synced && scheduled.compareAndSet(false, true)) {
            emitter.execute(this::emit);
        }
    }

    private void emit() {
        scheduled.set(false); // events from here on schedule another push
        Instant observed = pendingSince.getAndSet(null);
        List<RouteSpec> routes = new ArrayList<>();
        List<PolicyDefinition> policies = new ArrayList<>();
        List<SourceProblem> problems = new ArrayList<>();
        Map<String, Read<T>> current = new HashMap<>();
        boolean initial = lastRoutes == null;
        Instant now = clock.instant();
        int objects = 0;
        for (T obj : informers.list()) {
            String key = key(obj);
            Read<T> read = reads.get(key);
            // same name is not the same object: one deleted and created again restarts at generation 1
            boolean sameObject = read != null && Objects.equals(read.object().getMetadata().getUid(), obj.getMetadata().getUid());
            if (!sameObject || !sameRoutes(read.object(), obj)) {
                Instant created = sameObject ? read.created() : created(obj, initial, now);
                read = new Read<>(obj, created, readSafely(obj, created));
            }
            current.put(key, read);
            if (read.routes() != null) {
                objects++;
                routes.addAll(read.routes().routes());
                policies.addAll(read.routes().policies());
                problems.addAll(read.routes().problems());
            }
        }
        reads.clear();
        reads.putAll(current);
        routes.sort(BY_ID);
        problems.sort(PROBLEM_ORDER);
        String version = informers.resourceVersion();
        String detail = routes.size() + " route(s), " + problems.size() + " problem(s) from " + objects + " " + kind()
                + "(s) in " + informers.scope();
        boolean changed = !routes.equals(lastRoutes) || !policies.equals(lastPolicies) || !problems.equals(lastProblems);
        status.synced(version, changed, detail);
        if (!changed) {
            return;
        }
        boolean first = lastRoutes == null;
        lastRoutes = routes;
        lastPolicies = policies;
        lastProblems = problems;
        if (first) {
            log.info("{} source synced at resource version {}: {}", kind(), version, detail);
        }
        sink.accept(new SourceSnapshot(id, routes, policies, problems, version, observed == null ? clock.instant() : observed));
    }

    /**
     * When an object's routes count as created, for conflicts (the older route wins). Objects in the
     * first sync: {@code metadata.creationTimestamp}. Objects that appear later: the moment this
     * source first saw them. Kubernetes records creationTimestamp to the second, while file and
     * Consul routes are dated to the millisecond at which this gateway first saw them; a
     * GatewayRoute created 200 ms after a file route appeared would otherwise look older than it
     * and take its path.
     */
    private static Instant created(HasMetadata obj, boolean initialSync, Instant now) {
        String timestamp = obj.getMetadata().getCreationTimestamp();
        return initialSync && timestamp != null ? Instant.parse(timestamp) : now;
    }

    private ObjectRoutes readSafely(T obj, Instant created) {
        try {
            return read(obj, created);
        }
        catch (RuntimeException e) {
            // A bug in reading one object must not keep the others from being served.
            log.error("{} {}: could not be read", kind(), key(obj), e);
            return null;
        }
    }

    @Override
    public void stop() {
        status.stopped();
        unfollow.run();
        if (informers != null) {
            informers.close();
        }
        emitter.shutdownNow();
    }

    protected static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }
}
