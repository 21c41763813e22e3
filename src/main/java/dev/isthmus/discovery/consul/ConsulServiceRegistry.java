package dev.isthmus.discovery.consul;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.BackendTarget.Registry;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.discovery.Instance;
import dev.isthmus.discovery.ServiceRegistry;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.platform.consul.ConsulCatalogWatcher;
import dev.isthmus.platform.consul.ConsulView;
import dev.isthmus.platform.consul.HealthStatus;
import dev.isthmus.platform.consul.RegisteredInstance;

/**
 * Consul as a {@link ServiceRegistry}: the routable instances of every watched service, rebuilt
 * from each {@link ConsulView} the watch publishes and read lock-free on the request path.
 * Routable means every check of the instance and its node passes (or warns, with
 * {@code isthmus.consul.accept-warning}), it has an address and a port, and the destination rules
 * allow the address ({@link DestinationGuard}, as a tenant's: whoever registers the service names
 * the address; a host name is checked once resolved, by the upstream client).
 *
 * <p>A service's datacenter is the target's, or the default one (the first of
 * {@code isthmus.consul.datacenters}, else the agent's own). A name without a datacenter fails over
 * to the first of {@code isthmus.consul.failover.datacenters} with a routable instance while the
 * default datacenter has none ({@link DatacenterFailover}); a name with one never does. The
 * target's {@code port} is ignored: a Consul instance registers exactly one port, and that is the
 * one used.
 */
public final class ConsulServiceRegistry implements ServiceRegistry {

    private static final Logger log = LoggerFactory.getLogger(ConsulServiceRegistry.class);

    /** Published state: immutable maps, swapped whole. */
    private record State(ConsulView view, Map<String, Map<String, List<Instance>>> instances) {
    }

    private final ConsulCatalogWatcher watcher;
    private final boolean acceptWarning;
    private final DestinationGuard guard;
    private final DatacenterFailover failover;
    private final FailoverReporter failoverReporter;
    private final java.util.Set<String> refusedLogged = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private volatile State state = new State(ConsulView.EMPTY, Map.of());

    public ConsulServiceRegistry(ConsulCatalogWatcher watcher, boolean acceptWarning, DestinationGuard guard) {
        this(watcher, acceptWarning, guard, DatacenterFailover.NONE, null);
    }

    /** @param meters for the failover metrics; may be null when {@code failover} is off */
    public ConsulServiceRegistry(ConsulCatalogWatcher watcher, boolean acceptWarning, DestinationGuard guard,
            DatacenterFailover failover, MeterRegistry meters) {
        this.watcher = watcher;
        this.acceptWarning = acceptWarning;
        this.guard = guard;
        this.failover = failover;
        this.failoverReporter = failover.enabled() ? new FailoverReporter(meters) : null;
        watcher.addListener(this::update);
    }

    @Override
    public Registry kind() {
        return Registry.CONSUL;
    }

    @Override
    public boolean knows(BackendTarget.Service service) {
        ConsulView view = state.view();
        if (service.datacenter() != null) {
            ConsulView.Datacenter dc = view.datacenter(service.datacenter());
            return dc != null && dc.knows(service.name());
        }
        for (String name : failover.candidates(view.defaultDatacenter())) {
            ConsulView.Datacenter dc = view.datacenters().get(name);
            if (dc != null && dc.knows(service.name())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<Instance> instances(BackendTarget.Service service) {
        State s = state;
        String dc = failover.resolve(service.datacenter(), s.view().defaultDatacenter(), d -> availability(s, d, service.name()));
        return dc == null ? List.of() : routable(s, dc, service.name());
    }

    /**
     * The datacenter answering for {@code service} named without one: the default datacenter, or
     * the failover datacenter serving while it has no routable instance; null when none has one.
     */
    public String servingDatacenter(String service) {
        return serving(state, service);
    }

    /** The default datacenter (null until known), then the failover order. */
    public List<String> failoverCandidates() {
        return failover.candidates(state.view().defaultDatacenter());
    }

    private String serving(State s, String service) {
        return failover.serving(s.view().defaultDatacenter(), dc -> availability(s, dc, service));
    }

    private static DatacenterFailover.Availability availability(State s, String dc, String service) {
        if (!routable(s, dc, service).isEmpty()) {
            return DatacenterFailover.Availability.ROUTABLE;
        }
        ConsulView.Datacenter d = s.view().datacenters().get(dc);
        // Not read yet: no catalog, or listed there with its health query's first answer pending. A
        // datacenter whose reads fail is not waited for.
        boolean pending = d != null && d.failure() == null
                && (d.catalog() == null || d.knows(service) && (d.services() == null || !d.services().containsKey(service)));
        return pending ? DatacenterFailover.Availability.UNKNOWN : DatacenterFailover.Availability.NONE;
    }

    private static List<Instance> routable(State s, String dc, String service) {
        Map<String, List<Instance>> byService = s.instances().get(dc);
        List<Instance> list = byService == null ? null : byService.get(service);
        return list == null ? List.of() : list;
    }

    @Override
    public Map<String, List<Instance>> snapshot() {
        State s = state;
        Map<String, List<Instance>> out = new LinkedHashMap<>();
        for (ConsulView.Datacenter dc : s.view().datacenters().values()) {
            if (dc.catalog() == null) {
                continue;
            }
            Map<String, List<Instance>> byService = s.instances().getOrDefault(dc.name(), Map.of());
            dc.catalog().keySet().stream().sorted().forEach(name -> out.put(
                    new BackendTarget.Service(Registry.CONSUL, null, dc.name(), name, null).display(), byService.getOrDefault(name, List.of())));
        }
        return out;
    }

    @Override
    public void addChangeListener(Runnable listener) {
        changeListeners.add(listener);
    }

    /** The watch's connection state and errors. */
    public SyncStatus status() {
        return watcher.status();
    }

    /** The latest view, with every registered instance and its health (admin output). */
    public ConsulView view() {
        return state.view();
    }

    private void update(ConsulView view) {
        State previous = state;
        Map<String, Map<String, List<Instance>>> next = new HashMap<>();
        boolean changed = false;
        for (ConsulView.Datacenter dc : view.datacenters().values()) {
            ConsulView.Datacenter before = previous.view().datacenters().get(dc.name());
            Map<String, List<Instance>> oldInstances = previous.instances().getOrDefault(dc.name(), Map.of());
            Map<String, List<Instance>> byService = new HashMap<>();
            for (ConsulView.ServiceHealth health : dc.services().values()) {
                ConsulView.ServiceHealth old = before == null ? null : before.services().get(health.name());
                List<Instance> list = old == health ? oldInstances.get(health.name()) : null;
                if (list == null) {
                    list = routable(health);
                    changed = changed || !list.equals(oldInstances.getOrDefault(health.name(), List.of()));
                }
                byService.put(health.name(), list);
            }
            changed = changed || byService.size() != oldInstances.size();
            next.put(dc.name(), Map.copyOf(byService));
        }
        changed = changed || next.size() != previous.instances().size();
        state = new State(view, Map.copyOf(next));
        if (failoverReporter != null) {
            reportFailover(state);
        }
        if (changed) {
            for (Runnable l : changeListeners) {
                try {
                    l.run();
                }
                catch (RuntimeException e) {
                    log.error("Registry change listener failed", e);
                }
            }
        }
    }

    private void reportFailover(State s) {
        Set<String> services = watcher.demandedWithoutDatacenter();
        Map<String, String> serving = new HashMap<>();
        for (String service : services) {
            String dc = serving(s, service);
            if (dc != null) {
                serving.put(service, dc);
            }
        }
        failoverReporter.report(services, failover.candidates(s.view().defaultDatacenter()), serving);
    }

    private List<Instance> routable(ConsulView.ServiceHealth health) {
        List<Instance> list = new ArrayList<>(health.instances().size());
        for (RegisteredInstance r : health.instances()) {
            if (!r.routable(acceptWarning)) {
                continue;
            }
            String refusal = guard.refusal(r.address(), r.port(), DestinationGuard.Trust.TENANT);
            if (refusal != null) {
                if (refusedLogged.add(health.name() + "|" + r.id() + "|" + r.address() + ":" + r.port())) {
                    log.warn("Consul service {}: instance {} at {}:{} is not routed to: {}", health.name(), r.id(), r.address(), r.port(), refusal);
                }
                continue;
            }
            list.add(instanceOf(r));
        }
        return List.copyOf(list);
    }

    /**
     * The balancer's view. Weight is {@code Weights.Passing}, or {@code Weights.Warning} for an
     * instance accepted while warning. Metadata: {@code key=value} r.tags() as entries, other r.tags() with
     * an empty value, then {@code Service.Meta} (which wins on a clash). {@code Meta.secure=true}
     * means https (Spring Cloud Consul's convention); {@code Meta.zone} is the zone.
     */
    public static Instance instanceOf(RegisteredInstance r) {
        Map<String, String> metadata = new LinkedHashMap<>();
        for (String tag : r.tags()) {
            int eq = tag.indexOf('=');
            if (eq > 0) {
                metadata.put(tag.substring(0, eq), tag.substring(eq + 1));
            }
            else {
                metadata.putIfAbsent(tag, "");
            }
        }
        metadata.putAll(r.meta());
        boolean secure = "true".equalsIgnoreCase(r.meta().get("secure"));
        int weight = r.health() == HealthStatus.WARNING ? r.warningWeight() : r.passingWeight();
        return new Instance(r.id(), r.address(), r.port(), secure, weight, Registry.CONSUL, r.meta().get("zone"), metadata);
    }
}
