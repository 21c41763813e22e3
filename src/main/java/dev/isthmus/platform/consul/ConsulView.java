package dev.isthmus.platform.consul;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An immutable picture of what the watch knows, published after every change. Unchanged services
 * keep the same {@link ServiceHealth} objects from one view to the next, so listeners can skip them.
 *
 * @param defaultDatacenter where names without a datacenter resolve: the first of
 *     {@code isthmus.consul.datacenters}, or the agent's own; null until known
 * @param resolveFailure why the agent's own datacenter is not known yet (no datacenter watched yet)
 */
public record ConsulView(String defaultDatacenter, Map<String, Datacenter> datacenters, ConsulFailure resolveFailure) {

    public static final ConsulView EMPTY = new ConsulView(null, Map.of(), null);

    /** The service Consul's own servers register (RPC, not HTTP): never exposed by default. */
    public static final String SERVERS_SERVICE = "consul";

    public ConsulView {
        datacenters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(datacenters));
    }

    /**
     * One datacenter.
     *
     * @param catalog service name to the union of its instances' tags; null until first read
     * @param services the watched services, once their health has been read
     * @param initialSyncDone the catalog and every service watched at that time were read (or failed) once
     * @param failure the latest failure, while some query of this datacenter is failing; else null
     * @param failingSince when the current failure began, else null
     * @param watches blocking queries currently held open or retrying
     * @param overQuota services with {@code isthmus.*} tags not watched because the datacenter's
     *     quota of tagged services is used up ({@code isthmus.ownership.quotas.consul-tagged-services})
     */
    public record Datacenter(String name, Map<String, List<String>> catalog, Map<String, ServiceHealth> services,
            boolean initialSyncDone, ConsulFailure failure, Instant failingSince, long catalogIndex, int watches,
            java.util.Set<String> overQuota) {

        public Datacenter {
            overQuota = overQuota == null ? java.util.Set.of() : java.util.Set.copyOf(overQuota);
        }

        public boolean knows(String service) {
            return catalog != null && catalog.containsKey(service);
        }
    }

    /**
     * One service's instances, healthy or not, sorted by id.
     *
     * @param index the {@code X-Consul-Index} of the answer that last changed them
     */
    public record ServiceHealth(String name, long index, List<RegisteredInstance> instances) {
        public ServiceHealth {
            instances = List.copyOf(instances);
        }
    }

    public Datacenter datacenter(String name) {
        return datacenters.get(name == null ? defaultDatacenter : name);
    }

    /**
     * Ready for a first snapshot: every datacenter was read or failed once, and at least one was
     * read (with none read there is nothing known to publish).
     */
    public boolean initialSyncDone() {
        if (datacenters.isEmpty()) {
            return false;
        }
        boolean anyRead = false;
        for (Datacenter dc : datacenters.values()) {
            if (dc.initialSyncDone()) {
                anyRead = true;
            }
            else if (dc.failure() == null) {
                return false;
            }
        }
        return anyRead;
    }

    /** Every failure now, by datacenter (the agent's own, before it is known, under an empty name). */
    public Map<String, ConsulFailure> failures() {
        Map<String, ConsulFailure> out = new java.util.LinkedHashMap<>();
        if (resolveFailure != null) {
            out.put("", resolveFailure);
        }
        datacenters.forEach((name, dc) -> {
            if (dc.failure() != null) {
                out.put(name, dc.failure());
            }
        });
        return out;
    }

    /** {@code dc1@1234,dc2@567}: each datacenter's catalog index, for status output. */
    public String version() {
        StringBuilder b = new StringBuilder();
        datacenters.values().forEach(d -> b.append(b.length() == 0 ? "" : ",").append(d.name()).append('@').append(d.catalogIndex()));
        return b.toString();
    }

    public boolean healthy() {
        return resolveFailure == null && !datacenters.isEmpty() && datacenters.values().stream().allMatch(d -> d.failure() == null && d.initialSyncDone());
    }
}
