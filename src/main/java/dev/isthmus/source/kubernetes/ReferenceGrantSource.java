package dev.isthmus.source.kubernetes;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantFrom;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantTo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.model.ReferenceGrant;
import dev.isthmus.model.SourceKind;
import dev.isthmus.model.SourceSnapshot;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.model.SyncStatusTracker;
import dev.isthmus.platform.DaemonThreads;
import dev.isthmus.platform.kubernetes.KubernetesErrors;
import dev.isthmus.platform.kubernetes.NamespacedInformers;
import dev.isthmus.platform.kubernetes.WatchMonitor;
import dev.isthmus.source.RouteSource;

/**
 * The Gateway API's ReferenceGrants ({@code gateway.networking.k8s.io/v1beta1}), where their CRD is
 * installed: pushed like a route source's snapshots (whole, on every change, last known good while
 * the API server is away), carrying no routes, only the grants the compiler checks cross-namespace
 * Service references against. Where the CRD is not installed (the API server does not serve the
 * kind when the gateway starts), it syncs at once with no grants: then only the operator's
 * {@code isthmus.ownership.grants} permit cross-namespace references. Installing the CRD later
 * needs a restart to be seen.
 */
public final class ReferenceGrantSource implements RouteSource {

    public static final String ID = "referencegrant";
    private static final Logger log = LoggerFactory.getLogger(ReferenceGrantSource.class);
    private static final Comparator<ReferenceGrant> ORDER = Comparator.comparing(ReferenceGrant::namespace)
            .thenComparing(g -> g.from().toString()).thenComparing(g -> g.to().toString());

    private final KubernetesClient client;
    private final List<String> namespaces;
    private final WatchMonitor monitor;
    private final SyncStatusTracker status = new SyncStatusTracker(ID);
    private final Clock clock = Clock.systemUTC();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ExecutorService emitter = Executors.newSingleThreadExecutor(DaemonThreads.named("isthmus-referencegrant-source"));
    private volatile NamespacedInformers<io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant> informers;
    private volatile Consumer<SourceSnapshot> sink;
    private volatile boolean synced;
    private volatile Runnable unfollow = () -> { };
    private List<ReferenceGrant> last;

    public ReferenceGrantSource(KubernetesClient client, List<String> namespaces, WatchMonitor monitor) {
        this.client = client;
        this.namespaces = List.copyOf(namespaces);
        this.monitor = monitor;
    }

    @Override
    public String id() {
        return ID;
    }

    /** Declares no routes: no route has this source's kind. */
    @Override
    public SourceKind kind() {
        return null;
    }

    @Override
    public SyncStatus status() {
        return status.get();
    }

    @Override
    public void start(Consumer<SourceSnapshot> sink) {
        this.sink = sink;
        boolean served;
        try {
            served = client.supports(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class);
        }
        catch (RuntimeException e) {
            // discovery failed (API server away at start): assume installed; the informer retries until it answers
            log.warn("ReferenceGrants: API discovery failed ({}); watching them anyway", KubernetesErrors.describe(e));
            served = true;
        }
        if (!served) {
            log.info("ReferenceGrants: the API server does not serve gateway.networking.k8s.io/v1beta1 ReferenceGrant (CRD not"
                    + " installed); cross-namespace references need isthmus.ownership.grants");
            synced = true;
            push(List.of(), clock.instant(), "CRD not installed: only isthmus.ownership.grants apply");
            return;
        }
        ResourceEventHandler<io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant obj) {
                schedule();
            }

            @Override
            public void onUpdate(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant a,
                    io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant b) {
                schedule();
            }

            @Override
            public void onDelete(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant obj, boolean unknown) {
                schedule();
            }
        };
        BiConsumer<String, Throwable> failed = (where, error) -> {
            status.failed("listing or watching referencegrants in " + where + " failed: " + KubernetesErrors.describe(error));
            log.warn("ReferenceGrants in {}: {}; retrying with backoff, keeping the last known grants", where, KubernetesErrors.describe(error));
        };
        informers = NamespacedInformers.create("referencegrants.gateway.networking.k8s.io", namespaces,
                ns -> ns == null ? client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class).inAnyNamespace()
                        : client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class).inNamespace(ns),
                handler, Map.of(), failed);
        informers.start().whenComplete((v, e) -> {
            if (e != null) {
                return;
            }
            synced = true;
            schedule();
            unfollow = monitor.follow("ReferenceGrants", informers::isWatching,
                    () -> status.failed("lost the watch on referencegrants; keeping the last known grants"), this::schedule);
        });
    }

    private void schedule() {
        if (synced && scheduled.compareAndSet(false, true)) {
            emitter.execute(this::emit);
        }
    }

    private void emit() {
        scheduled.set(false);
        try {
            List<ReferenceGrant> grants = new ArrayList<>();
            for (var g : informers.list()) {
                ReferenceGrant read = read(g);
                if (read != null) {
                    grants.add(read);
                }
            }
            grants.sort(ORDER);
            push(grants, clock.instant(), grants.size() + " ReferenceGrant(s) in " + informers.scope());
        }
        catch (RuntimeException e) {
            log.error("ReferenceGrants: reading the cache failed", e);
        }
    }

    private synchronized void push(List<ReferenceGrant> grants, Instant now, String detail) {
        boolean changed = !grants.equals(last);
        status.synced(informers == null ? "-" : informers.resourceVersion(), changed, detail);
        if (changed) {
            last = List.copyOf(grants);
            sink.accept(new SourceSnapshot(ID, List.of(), List.of(), List.of(), null, now, grants));
        }
    }

    /** The grant as the compiler reads it; null when it grants nothing (no from or no to). */
    public static ReferenceGrant read(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant g) {
        if (g.getSpec() == null || g.getSpec().getFrom() == null || g.getSpec().getTo() == null) {
            return null;
        }
        List<ReferenceGrant.From> from = new ArrayList<>();
        for (ReferenceGrantFrom f : g.getSpec().getFrom()) {
            if (f != null && f.getKind() != null && f.getNamespace() != null) {
                from.add(new ReferenceGrant.From(f.getGroup(), f.getKind(), f.getNamespace()));
            }
        }
        List<ReferenceGrant.To> to = new ArrayList<>();
        for (ReferenceGrantTo t : g.getSpec().getTo()) {
            if (t != null && t.getKind() != null) {
                to.add(new ReferenceGrant.To(t.getGroup(), t.getKind(), t.getName()));
            }
        }
        return from.isEmpty() || to.isEmpty() ? null : new ReferenceGrant(g.getMetadata().getNamespace(), from, to);
    }

    @Override
    public void stop() {
        unfollow.run();
        if (informers != null) {
            informers.close();
        }
        emitter.shutdownNow();
        status.stopped();
    }
}
