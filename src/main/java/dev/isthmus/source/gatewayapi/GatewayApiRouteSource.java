package dev.isthmus.source.gatewayapi;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.model.RouteSpec;
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
 * Routes from the Kubernetes Gateway API: fabric8 informers on GatewayClasses, Gateways,
 * HTTPRoutes, ReferenceGrants, Services and Namespaces (the same {@link NamespacedInformers} and
 * {@link WatchMonitor} as the GatewayRoute source), and on every change one
 * {@link GatewayApiTranslator} pass over the caches as they are then. Bursts of events coalesce
 * into one pass on the source's own thread; a pass whose routes are unchanged pushes nothing. Each
 * translation also goes to the status writer (statuses can change while routes do not: a new
 * Gateway, a refused listener).
 * <p>
 * Unlike the GatewayRoute source, which reads each object on its own, the Gateway API is
 * relational (a route's fate depends on its Gateway's listeners, its namespace's labels, grants in
 * other namespaces), so every pass translates everything: a few milliseconds for thousands of
 * routes, and no stale cross-object state. While the API server is unreachable the last routes
 * keep serving and the source reports DEGRADED.
 */
public final class GatewayApiRouteSource implements RouteSource {

    public static final String ID = SourceKind.HTTP_ROUTE.label();
    private static final Logger log = LoggerFactory.getLogger(GatewayApiRouteSource.class);

    private final KubernetesClient client;
    private final List<String> namespaces;
    private final GatewayApiTranslator translator;
    private final List<String> fixedAddresses;
    private final String serviceNamespace;
    private final String serviceName;
    private final CompletionStage<?> prerequisite;
    private final WatchMonitor monitor;
    private final SyncStatusTracker status = new SyncStatusTracker(ID);
    private final Clock clock = Clock.systemUTC();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicReference<Instant> pendingSince = new AtomicReference<>();
    private final List<Consumer<GatewayApiTranslation>> translationListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService emitter = Executors.newSingleThreadExecutor(DaemonThreads.named("isthmus-gateway-api-source"));
    private volatile Consumer<SourceSnapshot> sink;
    private volatile boolean synced;
    private volatile Runnable unfollow = () -> { };
    private volatile GatewayApiTranslation last;
    private final List<NamespacedInformers<?>> all = new ArrayList<>();
    private NamespacedInformers<GatewayClass> classes;
    private NamespacedInformers<Gateway> gateways;
    private NamespacedInformers<HTTPRoute> routes;
    private NamespacedInformers<ReferenceGrant> grants;
    private NamespacedInformers<Service> services;
    private NamespacedInformers<Namespace> namespaceObjects;
    private List<RouteSpec> lastRoutes; // emitter thread only

    /**
     * @param namespaces where Gateways, HTTPRoutes, ReferenceGrants and Services are watched; empty for all
     * @param serviceNamespace the namespace of the gateway's own Service (its addresses)
     * @param serviceName the gateway's own Service, or null
     * @param prerequisite completes when routes may go live (Kubernetes discovery synced)
     */
    public GatewayApiRouteSource(KubernetesClient client, List<String> namespaces, GatewayApiTranslator translator, List<String> fixedAddresses,
            String serviceNamespace, String serviceName, CompletionStage<?> prerequisite, WatchMonitor monitor) {
        this.client = client;
        this.namespaces = List.copyOf(namespaces);
        this.translator = translator;
        this.fixedAddresses = List.copyOf(fixedAddresses);
        this.serviceNamespace = serviceNamespace;
        this.serviceName = serviceName;
        this.prerequisite = prerequisite;
        this.monitor = monitor;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public SyncStatus status() {
        return status.get();
    }

    /** Told about every translation, on the source's thread (the status writer). */
    public void addTranslationListener(Consumer<GatewayApiTranslation> listener) {
        translationListeners.add(listener);
        GatewayApiTranslation t = last;
        if (t != null) {
            listener.accept(t);
        }
    }

    /** The last translation, null before the first sync. */
    public GatewayApiTranslation lastTranslation() {
        return last;
    }

    public GatewayApiSettings settings() {
        return translator.settings();
    }

    /** Cached objects, for the status writer (it compares with what the API server has). */
    public GatewayClass cachedClass(String name) {
        return classes == null ? null : classes.get(null, name);
    }

    public Gateway cachedGateway(String namespace, String name) {
        return gateways == null ? null : gateways.get(namespace, name);
    }

    public HTTPRoute cachedRoute(String namespace, String name) {
        return routes == null ? null : routes.get(namespace, name);
    }

    @Override
    public void start(Consumer<SourceSnapshot> sink) {
        this.sink = sink;
        classes = informers("gatewayclasses.gateway.networking.k8s.io", List.of(), ns -> client.resources(GatewayClass.class), GatewayApiRouteSource::sameGeneration);
        gateways = informers("gateways.gateway.networking.k8s.io", namespaces, ns -> ns == null ? client.resources(Gateway.class).inAnyNamespace()
                : client.resources(Gateway.class).inNamespace(ns), GatewayApiRouteSource::sameGeneration);
        routes = informers("httproutes.gateway.networking.k8s.io", namespaces, ns -> ns == null ? client.resources(HTTPRoute.class).inAnyNamespace()
                : client.resources(HTTPRoute.class).inNamespace(ns), GatewayApiRouteSource::sameGeneration);
        grants = informers("referencegrants.gateway.networking.k8s.io", namespaces, ns -> ns == null
                ? client.resources(ReferenceGrant.class).inAnyNamespace() : client.resources(ReferenceGrant.class).inNamespace(ns),
                GatewayApiRouteSource::sameGeneration);
        services = informers("services", namespaces, ns -> ns == null ? client.services().inAnyNamespace() : client.services().inNamespace(ns),
                this::sameService);
        namespaceObjects = informers("namespaces", List.of(), ns -> client.namespaces(),
                (a, b) -> Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels()));
        log.info("Gateway API: serving GatewayClasses of controller {}, watching Gateways and HTTPRoutes in {}", translator.settings().controllerName(),
                routes.scope());
        CompletableFuture<?>[] listed = all.stream().map(NamespacedInformers::start).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(listed).thenCombine(prerequisite, (a, b) -> null).whenComplete((v, e) -> {
            if (e != null) {
                return; // stopped before the first sync
            }
            synced = true;
            schedule(clock.instant());
            unfollow = monitor.follow("Gateway API objects", () -> all.stream().allMatch(NamespacedInformers::isWatching), this::watchLost,
                    () -> {
                        log.info("Gateway API source: watches resumed");
                        schedule(clock.instant());
                    });
        });
    }

    private <T extends HasMetadata> NamespacedInformers<T> informers(String resource, List<String> scope, Function<String, Informable<T>> informable,
            BiPredicate<T, T> same) {
        NamespacedInformers<T> i = NamespacedInformers.create(resource, scope, informable, new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                schedule(clock.instant());
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                if (!same.test(oldObj, newObj)) {
                    schedule(clock.instant());
                }
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                schedule(clock.instant());
            }
        }, Map.of(), (where, error) -> failed(resource, where, error));
        all.add(i);
        return i;
    }

    /** Status-only updates (our own status writes among them) leave the generation alone. */
    private static <T extends HasMetadata> boolean sameGeneration(T a, T b) {
        return Objects.equals(a.getMetadata().getGeneration(), b.getMetadata().getGeneration())
                && Objects.equals(a.getMetadata().getUid(), b.getMetadata().getUid());
    }

    /** A Service matters for its ports, and the gateway's own one for its addresses too. */
    private boolean sameService(Service a, Service b) {
        if (!Objects.equals(a.getSpec() == null ? null : a.getSpec().getPorts(), b.getSpec() == null ? null : b.getSpec().getPorts())) {
            return false;
        }
        return !isOwnService(b) || Objects.equals(addressesOf(a), addressesOf(b));
    }

    private boolean isOwnService(Service s) {
        return serviceName != null && serviceName.equals(s.getMetadata().getName()) && Objects.equals(serviceNamespace, s.getMetadata().getNamespace());
    }

    private void failed(String resource, String where, Throwable error) {
        String message = "listing or watching " + resource + " in " + where + " failed: " + KubernetesErrors.describe(error);
        status.failed(message);
        log.warn("Gateway API source: {}; retrying with backoff{}", message, synced ? ", serving the last known routes" : " (not synced yet: readiness waits)");
    }

    private void watchLost() {
        String message = "lost a watch on the Gateway API objects (API server unreachable or refusing); reconnecting, serving the last known routes";
        status.failed(message);
        log.warn("Gateway API source: {}", message);
    }

    private void schedule(Instant seen) {
        pendingSince.accumulateAndGet(seen, (a, b) -> a == null || b.isBefore(a) ? b : a);
        if (synced && scheduled.compareAndSet(false, true)) {
            emitter.execute(this::emitSafely);
        }
    }

    private void emitSafely() {
        try {
            emit();
        }
        catch (RuntimeException e) {
            // a bug in translating must not stop the source for good: the last routes keep serving
            log.error("Gateway API source: translation failed; serving the last known routes", e);
            status.failed("translation failed: " + e);
        }
    }

    private void emit() {
        scheduled.set(false); // events from here on schedule another pass
        Instant observed = pendingSince.getAndSet(null);
        GatewayApiObjects objects = new GatewayApiObjects(classes.list(), gateways.list(), routes.list(), grants.list(), services.list(),
                namespaceObjects.list(), addresses());
        long start = System.nanoTime();
        GatewayApiTranslation t = translator.translate(objects);
        last = t;
        List<RouteSpec> specs = t.specs();
        String detail = specs.size() + " route(s) from " + t.routes().size() + " HTTPRoute(s) of " + t.gateways().size() + " Gateway(s), translated in "
                + (System.nanoTime() - start) / 1_000 + " us";
        boolean changed = !specs.equals(lastRoutes);
        status.synced(routes.resourceVersion(), changed, detail);
        for (Consumer<GatewayApiTranslation> l : translationListeners) {
            l.accept(t);
        }
        if (!changed) {
            return;
        }
        if (lastRoutes == null) {
            log.info("Gateway API source synced: {}", detail);
        }
        lastRoutes = specs;
        sink.accept(new SourceSnapshot(ID, specs, List.of(), routes.resourceVersion(), observed == null ? clock.instant() : observed));
    }

    /** The fixed addresses, else the gateway's own Service's load-balancer ingress, else its cluster IPs. */
    private List<String> addresses() {
        if (!fixedAddresses.isEmpty()) {
            return fixedAddresses;
        }
        if (serviceName == null) {
            return List.of();
        }
        Service own = services.get(serviceNamespace, serviceName);
        return own == null ? List.of() : addressesOf(own);
    }

    private static List<String> addressesOf(Service s) {
        List<String> out = new ArrayList<>();
        if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null && s.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress i : s.getStatus().getLoadBalancer().getIngress()) {
                out.add(i.getIp() != null && !i.getIp().isEmpty() ? i.getIp() : i.getHostname());
            }
        }
        if (out.isEmpty() && s.getSpec() != null && s.getSpec().getClusterIPs() != null) {
            s.getSpec().getClusterIPs().stream().filter(ip -> !"None".equals(ip)).forEach(out::add);
        }
        out.removeIf(Objects::isNull);
        return out;
    }

    @Override
    public void stop() {
        status.stopped();
        unfollow.run();
        all.forEach(NamespacedInformers::close);
        emitter.shutdownNow();
    }
}
