package dev.isthmus.discovery.kubernetes;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.BackendTarget.Registry;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.discovery.Instance;
import dev.isthmus.discovery.ServiceRegistry;
import dev.isthmus.platform.kubernetes.KubernetesErrors;
import dev.isthmus.platform.kubernetes.NamespacedInformers;
import dev.isthmus.platform.kubernetes.WatchMonitor;
import dev.isthmus.platform.LifecyclePhases;

/**
 * Kubernetes services and their ready endpoints, kept in memory by informers on Services and
 * EndpointSlices (discovery.k8s.io/v1). Every change rebuilds that one service's
 * {@link ServiceEndpoints}, so the next request (the load balancer asks per request) already
 * sees it: no Spring Cloud LoadBalancer cache and no polling in between. While the API server is
 * unreachable, the last known endpoints are kept.
 */
public final class KubernetesServiceRegistry implements ServiceRegistry, SmartLifecycle {

    /** Before the route sources, so the endpoints are there when the first routes are. */
    public static final int PHASE = LifecyclePhases.REGISTRIES;

    private static final Logger log = LoggerFactory.getLogger(KubernetesServiceRegistry.class);
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    private static final String BY_SERVICE = "service";

    private final KubernetesClient client;
    private final List<String> namespaces;
    private final String defaultNamespace;
    private final WatchMonitor monitor;
    private final DestinationGuard guard;
    private final java.util.Set<String> refusedLogged = ConcurrentHashMap.newKeySet();
    private final Map<String, ServiceEndpoints> services = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> synced = new CompletableFuture<>();
    private volatile NamespacedInformers<Service> serviceInformers;
    private volatile NamespacedInformers<EndpointSlice> sliceInformers;
    private volatile boolean running;
    private volatile Runnable unfollow = () -> { };

    /**
     * @param defaultNamespace where a service without a namespace is looked up (the compiler
     *     normally qualifies every name already)
     */
    public KubernetesServiceRegistry(KubernetesClient client, List<String> namespaces, String defaultNamespace, WatchMonitor monitor,
            DestinationGuard guard) {
        this.guard = guard;
        this.client = client;
        this.namespaces = List.copyOf(namespaces);
        this.defaultNamespace = defaultNamespace;
        this.monitor = monitor;
    }

    @Override
    public Registry kind() {
        return Registry.KUBERNETES;
    }

    @Override
    public boolean knows(BackendTarget.Service service) {
        return services.containsKey(key(service));
    }

    @Override
    public List<Instance> instances(BackendTarget.Service service) {
        ServiceEndpoints endpoints = services.get(key(service));
        return endpoints == null ? List.of() : endpoints.instances(service.port());
    }

    @Override
    public Map<String, List<Instance>> snapshot() {
        Map<String, List<Instance>> all = new TreeMap<>();
        for (ServiceEndpoints s : services.values()) {
            String name = "k8s:" + s.namespace() + "/" + s.name();
            if (s.ports().size() == 1) {
                all.put(name, s.ports().get(0).instances());
            }
            else {
                s.ports().forEach(p -> all.put(name + ":" + (p.name().isEmpty() ? String.valueOf(p.port()) : p.name()), p.instances()));
            }
        }
        return all;
    }

    @Override
    public void addChangeListener(Runnable listener) {
        listeners.add(listener);
    }

    /** Completes once Services and EndpointSlices have both been listed. */
    public CompletableFuture<Void> synced() {
        return synced;
    }

    @Override
    public void start() {
        serviceInformers = NamespacedInformers.create("services", namespaces,
                ns -> ns == null ? client.services().inAnyNamespace() : client.services().inNamespace(ns),
                handler(s -> List.of(keyOf(s))), Map.of(), this::listFailed);
        sliceInformers = NamespacedInformers.create("endpointslices.discovery.k8s.io", namespaces,
                ns -> ns == null ? client.discovery().v1().endpointSlices().inAnyNamespace()
                        : client.discovery().v1().endpointSlices().inNamespace(ns),
                handler(KubernetesServiceRegistry::serviceKeysOf), Map.of(BY_SERVICE, KubernetesServiceRegistry::serviceKeysOf),
                this::listFailed);
        running = true;
        serviceInformers.start().thenCombine(sliceInformers.start(), (a, b) -> null).whenComplete((v, e) -> {
            if (e != null) {
                return; // stopped before the first sync
            }
            log.info("Kubernetes discovery synced: {} service(s), {} EndpointSlice(s) in {}", services.size(),
                    sliceInformers.list().size(), serviceInformers.scope());
            synced.complete(null);
            unfollow = monitor.follow("Kubernetes discovery", () -> serviceInformers.isWatching() && sliceInformers.isWatching(),
                    () -> log.warn("Kubernetes discovery: lost the watch on Services/EndpointSlices (API server unreachable?);"
                            + " routing with the last known endpoints while fabric8 reconnects"),
                    () -> log.info("Kubernetes discovery: watch on Services/EndpointSlices resumed at resource version {}/{}",
                            serviceInformers.resourceVersion(), sliceInformers.resourceVersion()));
        });
    }

    private void listFailed(String where, Throwable error) {
        log.warn("Kubernetes discovery: listing or watching Services/EndpointSlices in {} failed, retrying with backoff: {}", where,
                KubernetesErrors.describe(error));
    }

    private <T extends HasMetadata> ResourceEventHandler<T> handler(Function<T, List<String>> keys) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                keys.apply(obj).forEach(KubernetesServiceRegistry.this::rebuild);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                List<String> before = keys.apply(oldObj);
                List<String> after = keys.apply(newObj);
                after.forEach(KubernetesServiceRegistry.this::rebuild);
                before.stream().filter(k -> !after.contains(k)).forEach(KubernetesServiceRegistry.this::rebuild);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                keys.apply(obj).forEach(KubernetesServiceRegistry.this::rebuild);
            }
        };
    }

    /**
     * Recomputes one service from the informers' caches. Service and EndpointSlice events arrive
     * on different threads; the per-key atomic compute makes the last rebuild read the latest of both.
     */
    private void rebuild(String key) {
        boolean[] changed = new boolean[1];
        services.compute(key, (k, old) -> {
            int slash = k.indexOf('/');
            Service service = serviceInformers.get(k.substring(0, slash), k.substring(slash + 1));
            ServiceEndpoints now = service == null ? null : ServiceEndpoints.of(service, sliceInformers.byIndex(BY_SERVICE, k), guard, why -> {
                if (refusedLogged.add(k + "|" + why)) {
                    log.warn("Service {}: {}; not routed to", k, why);
                }
            });
            changed[0] = !Objects.equals(old, now);
            return now;
        });
        if (changed[0]) {
            if (log.isDebugEnabled()) {
                ServiceEndpoints s = services.get(key);
                log.debug("Service {}: {}", key, s == null ? "removed" : s.ports());
            }
            for (Runnable listener : listeners) {
                try {
                    listener.run();
                }
                catch (RuntimeException e) {
                    log.error("Discovery change listener failed", e);
                }
            }
        }
    }

    private String key(BackendTarget.Service service) {
        return (service.namespace() == null ? defaultNamespace : service.namespace()) + "/" + service.name();
    }

    private static String keyOf(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    private static List<String> serviceKeysOf(EndpointSlice slice) {
        String service = slice.getMetadata().getLabels() == null ? null : slice.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
        return service == null ? List.of() : List.of(slice.getMetadata().getNamespace() + "/" + service);
    }

    @Override
    public void stop() {
        running = false;
        unfollow.run();
        if (serviceInformers != null) {
            serviceInformers.close();
        }
        if (sliceInformers != null) {
            sliceInformers.close();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
