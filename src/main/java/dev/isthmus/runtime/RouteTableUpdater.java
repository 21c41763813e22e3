package dev.isthmus.runtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.compile.RouteStatus;
import dev.isthmus.model.ReferenceGrant;
import dev.isthmus.model.PolicyDefinition;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.model.SourceSnapshot;
import dev.isthmus.platform.DaemonThreads;

/**
 * The aggregator: keeps the latest snapshot of every source, and on each change recompiles the
 * union, builds the next routing table and swaps it in. Runs on one thread; snapshots that arrive
 * while a table is being built are folded into the next build, so a burst of changes costs one or
 * two builds, not one per change. A source that goes quiet (unreachable) keeps its last snapshot.
 */
public final class RouteTableUpdater implements Consumer<SourceSnapshot>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RouteTableUpdater.class);

    private final RouteCompiler compiler;
    private final boolean fallThrough;
    private final RouteMaterializer materializer;
    private final RouteTableHolder holder;
    private final java.util.function.Supplier<List<RouteTableListener>> listenerSupplier;
    private volatile List<RouteTableListener> listeners;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, SourceSnapshot> latest = new ConcurrentHashMap<>();
    private final Map<String, Instant> pendingSince = new ConcurrentHashMap<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(DaemonThreads.named("isthmus-route-compiler"));
    private volatile Duration lastPropagation = Duration.ZERO;
    private long version;

    /**
     * @param listeners looked up on the first build: listeners may themselves depend on the
     *     sources that feed this updater
     */
    public RouteTableUpdater(RouteCompiler compiler, RouteMaterializer materializer, RouteTableHolder holder,
            java.util.function.Supplier<List<RouteTableListener>> listeners) {
        this(compiler, materializer, holder, listeners, false);
    }

    /** @param fallThrough isthmus.ownership.fall-through: requests a host's routes do not match try the operator's catch-alls */
    public RouteTableUpdater(RouteCompiler compiler, RouteMaterializer materializer, RouteTableHolder holder,
            java.util.function.Supplier<List<RouteTableListener>> listeners, boolean fallThrough) {
        this.fallThrough = fallThrough;
        this.compiler = compiler;
        this.materializer = materializer;
        this.holder = holder;
        this.listenerSupplier = listeners;
    }

    /** Takes a source's new snapshot; the table is rebuilt asynchronously, at once. */
    @Override
    public void accept(SourceSnapshot snapshot) {
        latest.put(snapshot.sourceId(), snapshot);
        pendingSince.merge(snapshot.sourceId(), snapshot.observedAt() == null ? clock.instant() : snapshot.observedAt(),
                (a, b) -> a.isBefore(b) ? a : b);
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::rebuild);
        }
    }

    private void rebuild() {
        scheduled.set(false); // changes from here on schedule another build
        Map<String, Instant> changed = new HashMap<>(pendingSince);
        changed.forEach(pendingSince::remove);
        try {
            long started = System.nanoTime();
            List<RouteSpec> routes = new ArrayList<>();
            List<PolicyDefinition> policies = new ArrayList<>();
            List<SourceProblem> problems = new ArrayList<>();
            List<ReferenceGrant> grants = new ArrayList<>();
            for (SourceSnapshot s : latest.values()) {
                routes.addAll(s.routes());
                policies.addAll(s.policies());
                problems.addAll(s.problems());
                grants.addAll(s.grants());
            }
            CompileResult result = compiler.compile(routes, policies, problems, grants);
            RouteTable previous = holder.get();
            RouteTable table = new RouteTable(++version, materializer.materialize(result.routes(), previous), result, clock.instant(),
                    latest.keySet(), changed, fallThrough);
            holder.swap(table);
            Instant now = clock.instant();
            Instant oldest = changed.values().stream().min(Instant::compareTo).orElse(now);
            lastPropagation = Duration.between(oldest, now);
            logChanges(table, previous, (System.nanoTime() - started) / 1_000_000);
            if (listeners == null) {
                listeners = List.copyOf(listenerSupplier.get());
            }
            for (RouteTableListener listener : listeners) {
                try {
                    listener.tableSwapped(table, previous);
                }
                catch (RuntimeException e) {
                    log.error("Routing table listener {} failed", listener.getClass().getSimpleName(), e);
                }
            }
        }
        catch (RuntimeException | StackOverflowError e) {
            // Keep serving the current table; a bug in one build must not stop later ones (a deep
            // recursion included). Other errors (out of memory...) are not survivable: they propagate.
            log.error("Building the routing table failed; still serving version {}", holder.get().version(), e);
        }
    }

    private static void logChanges(RouteTable table, RouteTable previous, long millis) {
        Map<String, RouteStatus> before = new HashMap<>();
        for (RouteStatus s : previous.compileResult().statuses()) {
            before.put(key(s), s);
        }
        int rejected = 0;
        for (RouteStatus s : table.compileResult().statuses()) {
            if (!s.accepted()) {
                rejected++;
            }
            RouteStatus old = before.get(key(s));
            if (old != null && old.accepted() == s.accepted() && Objects.equals(old.message(), s.message())) {
                continue;
            }
            if (!s.accepted()) {
                log.warn("Route {} rejected ({}): {}", loggable(describe(s)), s.reason(), loggable(s.message()));
            }
            else if (s.message() != null) {
                log.warn("Route {} accepted with a warning: {}", loggable(describe(s)), loggable(s.message()));
            }
        }
        log.info("Routing table v{}: {} route(s) served, {} rejected, built in {} ms", table.version(), table.size(), rejected, millis);
    }

    /**
     * Route names and messages carry text from route authors (a Consul tag can hold a newline): in
     * plain-text logs, control characters are escaped so they cannot forge log lines.
     */
    static String loggable(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            }
            else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    /** The route id and, where the id does not already say it, the object it came from. */
    private static String describe(RouteStatus s) {
        String object = s.object().toString();
        if (s.routeId() == null) {
            return "in " + object;
        }
        return s.routeId().equals(object) ? s.routeId() : s.routeId() + " (" + object + ")";
    }

    private static String key(RouteStatus s) {
        return s.routeId() + "|" + s.object();
    }

    /** Time from the oldest source change folded into the last build to its table swap. */
    public Duration lastPropagation() {
        return lastPropagation;
    }

    /** Waits until every snapshot accepted so far is in a swapped table (tests, shutdown). */
    public void awaitIdle(Duration timeout) throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            // The executor runs in order: once this no-op has run, every build queued before it has too.
            executor.submit(() -> { }).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
