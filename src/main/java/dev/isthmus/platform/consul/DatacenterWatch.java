package dev.isthmus.platform.consul;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

import dev.isthmus.platform.consul.ConsulFailure.Kind;

/**
 * Watches one datacenter: a blocking query on the service catalog, and one on
 * {@code /v1/health/service/<name>} per service that matters to the gateway: services with
 * {@code isthmus.*} tags (or every service, with expose-by-default), and services routes refer to.
 * Services nobody routes to are not watched: each watch holds a connection to the agent, and Consul
 * limits connections per client (200 by default).
 *
 * <p>Health is read without {@code ?passing}: the route source needs every registered instance's
 * tags, and health is judged here (accept-warning). On failure the last good state is kept; one
 * query answering again wakes the others from their backoff, so a returning agent is resynced at once.
 *
 * <p>Runs entirely on the watcher's scheduler thread.
 */
final class DatacenterWatch {

    private static final Logger log = LoggerFactory.getLogger(DatacenterWatch.class);
    private static final String CATALOG = "catalog";

    /** Where the watch reports to: the watcher (view, status, metrics). */
    interface Listener {
        void changed();

        void answered(String datacenter, boolean mayHaveChanged);

        void failed(String datacenter, String query, ConsulFailure failure, boolean firstOfOutage);

        void recovered(String datacenter, Instant failingSince);
    }

    private final String name;
    private final Map<String, String> params;
    private final ConsulHttpClient http;
    private final Scheduler scheduler;
    private final Backoff backoff;
    private final boolean exposeByDefault;
    private final int maxTagged;
    private final Listener listener;
    private Set<String> overQuota = Set.of();
    private final Clock clock = Clock.systemUTC();

    private final BlockingQuery<Map<String, List<String>>> catalogQuery;
    private Map<String, List<String>> catalog;
    private long catalogIndex;
    private final Map<String, BlockingQuery<List<RegisteredInstance>>> serviceQueries = new HashMap<>();
    private final Map<String, ConsulView.ServiceHealth> services = new HashMap<>();
    private final Set<String> attempted = new HashSet<>();
    private Set<String> demanded = Set.of();
    private final Map<String, ConsulFailure> failing = new LinkedHashMap<>();
    private ConsulFailure lastFailure;
    private Instant failingSince;
    private boolean initialSyncDone;
    private boolean warnedFilteredCatalog;
    private final Set<String> warnedFiltered = new HashSet<>();

    /**
     * @param explicit whether the datacenter was configured (sent as {@code ?dc=}) or is the agent's own
     */
    /** @param maxTagged most services watched for their tag routes (0: no limit); services routes refer to are watched regardless */
    DatacenterWatch(String name, boolean explicit, ConsulHttpClient http, Scheduler scheduler, Backoff backoff,
            boolean exposeByDefault, int maxTagged, Listener listener) {
        this.maxTagged = maxTagged;
        this.name = name;
        this.params = explicit ? Map.of("dc", name) : Map.of();
        this.http = http;
        this.scheduler = scheduler;
        this.backoff = backoff;
        this.exposeByDefault = exposeByDefault;
        this.listener = listener;
        this.catalogQuery = new BlockingQuery<>("catalog of " + name,
                index -> http.blockingGet("/v1/catalog/services", params, index, "catalog of " + name),
                this::parseCatalog, new QueryHandler<>(CATALOG) {
                    @Override
                    public void changed(Map<String, List<String>> value, long index) {
                        catalogChanged(value, index);
                    }
                }, scheduler, backoff, http.waitTime());
    }

    String name() {
        return name;
    }

    void start() {
        catalogQuery.start();
    }

    void stop() {
        catalogQuery.stop();
        serviceQueries.values().forEach(BlockingQuery::stop);
        serviceQueries.clear();
    }

    /** The services routes refer to in this datacenter. */
    void demand(Set<String> names) {
        if (!names.equals(demanded)) {
            demanded = Set.copyOf(names);
            if (reconcile()) {
                listener.changed();
            }
        }
    }

    ConsulView.Datacenter view() {
        return new ConsulView.Datacenter(name, catalog, Map.copyOf(services), initialSyncDone, failing.isEmpty() ? null : lastFailure,
                failingSince, catalogIndex, 1 + serviceQueries.size(), overQuota);
    }

    // --- catalog ---

    private Map<String, List<String>> parseCatalog(ConsulHttpClient.Response r) {
        Map<String, List<String>> services = ConsulJson.catalogServices(r.body());
        if (services.isEmpty()) {
            // An empty catalog never happens in a working datacenter (the servers register "consul"):
            // say why rather than report "no services".
            if (r.filteredByAcls()) {
                throw new ConsulFailure(Kind.ACL, "catalog of " + name + ": every service is hidden from this token"
                        + " (X-Consul-Results-Filtered-By-ACLs); it needs service:read (service_prefix \"\") and node:read");
            }
            if (!http.hasToken() && "deny".equals(r.defaultAclPolicy())) {
                throw new ConsulFailure(Kind.ACL, "catalog of " + name + ": no ACL token is configured (spring.cloud.consul.token)"
                        + " and the agent's default ACL policy is deny, so the anonymous token sees no service");
            }
        }
        else if (r.filteredByAcls() && !warnedFilteredCatalog) {
            warnedFilteredCatalog = true;
            log.warn("Consul {}: some services are hidden from this gateway's ACL token; they cannot be routed to", name);
        }
        return services;
    }

    private void catalogChanged(Map<String, List<String>> value, long index) {
        catalogIndex = index;
        Map<String, List<String>> next = Map.copyOf(value);
        boolean changed = !next.equals(catalog);
        if (changed) {
            int before = catalog == null ? -1 : catalog.size();
            catalog = next;
            if (before < 0) {
                log.info("Consul {}: catalog read, {} service(s)", name, next.size());
            }
            else {
                log.debug("Consul {}: catalog changed at index {}: {} service(s)", name, index, next.size());
            }
        }
        boolean watchesChanged = reconcile();
        boolean initialSync = checkInitialSync();
        if (changed || watchesChanged || initialSync) {
            listener.changed();
        }
    }

    /** Starts and stops service watches to match what is wanted now; true when any changed. */
    private boolean reconcile() {
        if (catalog == null) {
            return false;
        }
        Set<String> wanted = new TreeSet<>(demanded);
        wanted.retainAll(catalog.keySet());
        // Tag routes within the quota: services watched already keep their place, newcomers queue by name,
        // so a flood of new registrations never displaces a route in service (security.md M2).
        List<String> tagged = new ArrayList<>();
        catalog.forEach((service, tags) -> {
            if (!wanted.contains(service) && exposed(service, tags)) {
                tagged.add(service);
            }
        });
        tagged.sort(java.util.Comparator.comparing((String s) -> !serviceQueries.containsKey(s)).thenComparing(s -> s));
        Set<String> over = new TreeSet<>();
        int watchedForTags = 0;
        for (String service : tagged) {
            if (maxTagged > 0 && watchedForTags >= maxTagged) {
                over.add(service);
            }
            else {
                wanted.add(service);
                watchedForTags++;
            }
        }
        boolean changed = !over.equals(overQuota);
        if (changed && !over.isEmpty()) {
            log.warn("Consul {}: {} service(s) with isthmus.* tags over the quota of {} (isthmus.ownership.quotas.consul-tagged-services)"
                    + " are not watched and get no route: {}", name, over.size(), maxTagged, over);
        }
        overQuota = Set.copyOf(over);
        for (String service : new ArrayList<>(serviceQueries.keySet())) {
            if (!wanted.contains(service)) {
                serviceQueries.remove(service).stop();
                services.remove(service);
                attempted.remove(service);
                forgetFailure("service:" + service);
                changed = true;
            }
        }
        for (String service : wanted) {
            if (!serviceQueries.containsKey(service)) {
                BlockingQuery<List<RegisteredInstance>> q = healthQuery(service);
                serviceQueries.put(service, q);
                q.start();
                changed = true;
            }
        }
        if (changed) {
            log.debug("Consul {}: watching {} service(s): {}", name, serviceQueries.size(), serviceQueries.keySet());
        }
        return changed;
    }

    /** Whether a service declares a tag route (or every service does, with expose-by-default). */
    private boolean exposed(String service, List<String> tags) {
        if (tags != null && tags.stream().anyMatch(t -> t.startsWith("isthmus."))) {
            return true;
        }
        return exposeByDefault && !ConsulView.SERVERS_SERVICE.equals(service);
    }

    // --- services ---

    private BlockingQuery<List<RegisteredInstance>> healthQuery(String service) {
        String what = "health of " + service + " in " + name;
        return new BlockingQuery<>(what, index -> http.blockingGet(ConsulHttpClient.healthPath(service), params, index, what),
                r -> parseHealth(service, r), new QueryHandler<>("service:" + service) {
                    @Override
                    public void changed(List<RegisteredInstance> value, long index) {
                        serviceChanged(service, value, index);
                    }

                    @Override
                    public void failed(ConsulFailure failure) {
                        attempted.add(service);
                        super.failed(failure);
                    }
                }, scheduler, backoff, http.waitTime());
    }

    private List<RegisteredInstance> parseHealth(String service, ConsulHttpClient.Response r) {
        List<ConsulJson.HealthEntry> entries = ConsulJson.healthService(r.body());
        if (r.filteredByAcls()) {
            if (entries.isEmpty()) {
                throw new ConsulFailure(Kind.ACL, "instances of " + service + " in " + name + " are hidden from this token"
                        + " (X-Consul-Results-Filtered-By-ACLs); it needs service:read on " + service + " and node:read");
            }
            if (warnedFiltered.add(service)) {
                log.warn("Consul {}: some instances of {} are hidden from this gateway's ACL token (node:read missing?)", name, service);
            }
        }
        List<RegisteredInstance> instances = new ArrayList<>(entries.size());
        for (ConsulJson.HealthEntry e : entries) {
            if (e.service() != null && e.service().id() != null) {
                instances.add(RegisteredInstance.of(e));
            }
        }
        instances.sort(RegisteredInstance.BY_ID);
        return instances;
    }

    private void serviceChanged(String service, List<RegisteredInstance> instances, long index) {
        if (!serviceQueries.containsKey(service)) {
            return; // stopped meanwhile
        }
        attempted.add(service);
        ConsulView.ServiceHealth previous = services.get(service);
        boolean changed = previous == null || !previous.instances().equals(instances);
        if (changed) {
            services.put(service, new ConsulView.ServiceHealth(service, index, instances));
            if (log.isDebugEnabled()) {
                log.debug("Consul {}: {} at index {}: {} instance(s), routable now {}", name, service, index, instances.size(),
                        instances.stream().filter(i -> i.health() == HealthStatus.PASSING).map(RegisteredInstance::id).toList());
            }
        }
        boolean initialSync = checkInitialSync();
        if (initialSync || changed) {
            listener.changed();
        }
    }

    private boolean checkInitialSync() {
        if (!initialSyncDone && catalog != null && attempted.containsAll(serviceQueries.keySet())) {
            initialSyncDone = true;
            log.info("Consul {}: initial sync done: {} service(s) in the catalog, {} watched", name, catalog.size(), serviceQueries.size());
            return true;
        }
        return false;
    }

    // --- failures ---

    private void forgetFailure(String query) {
        if (failing.remove(query) != null && failing.isEmpty()) {
            listener.recovered(name, failingSince);
            failingSince = null;
        }
    }

    /** Tracks which queries are failing, so the datacenter is healthy exactly when none is. */
    private abstract class QueryHandler<T> implements BlockingQuery.Handler<T> {
        private final String query;

        QueryHandler(String query) {
            this.query = query;
        }

        @Override
        public void answered(boolean mayHaveChanged) {
            listener.answered(name, mayHaveChanged);
            if (failing.containsKey(query)) {
                forgetFailure(query);
                // The agent answers again: retry every query that is backing off now, not in up to max-backoff.
                catalogQuery.wakeUp();
                serviceQueries.values().forEach(BlockingQuery::wakeUp);
                checkInitialSync();
                listener.changed();
            }
        }

        @Override
        public void failed(ConsulFailure failure) {
            boolean first = failing.isEmpty();
            if (first) {
                failingSince = clock.instant();
            }
            Kind before = lastFailure == null ? null : lastFailure.kind();
            failing.put(query, failure);
            lastFailure = failure;
            listener.failed(name, query, failure, first);
            // Publish on a new outage or a new kind of failure, not on every retry of every query.
            if (first || failure.kind() != before || CATALOG.equals(query) && !initialSyncDone) {
                listener.changed();
            }
        }
    }
}
