package dev.isthmus.discovery.consul;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Which datacenter answers for a service named without one ({@code consul:orders}): the default
 * datacenter while it has a routable instance, else the first of
 * {@code isthmus.consul.failover.datacenters} that has one (Consul prepared queries'
 * {@code Failover.Datacenters}, without the query: the gateway already watches every datacenter).
 * Decided again on every lookup, so fail-back follows the watch at once. Pure.
 *
 * @param datacenters the failover order, after the default datacenter; empty: no failover
 */
public record DatacenterFailover(List<String> datacenters) {

    /** What a datacenter knows of a service's instances now. */
    public enum Availability {
        ROUTABLE,
        /** read, and none routable (or not in the catalog) */
        NONE,
        /**
         * not read yet (the watch's first answer for it is pending): the default datacenter keeps
         * answering, so a start-up or a newly referred service never fails over while its local
         * instances may well pass
         */
        UNKNOWN
    }

    public static final DatacenterFailover NONE = new DatacenterFailover(List.of());

    public DatacenterFailover {
        datacenters = List.copyOf(datacenters);
    }

    /**
     * Checks the configured order against the watched datacenters.
     *
     * @param failover {@code isthmus.consul.failover.datacenters}
     * @param watched {@code isthmus.consul.datacenters}; the first is the default datacenter
     * @throws IllegalArgumentException saying which entry is wrong and why
     */
    public static DatacenterFailover of(List<String> failover, List<String> watched) {
        if (failover == null || failover.isEmpty()) {
            return NONE;
        }
        List<String> dcs = watched == null ? List.of() : watched.stream().map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
        if (dcs.isEmpty()) {
            // Only listed datacenters are watched; with none listed the gateway watches the agent's own only.
            throw new IllegalArgumentException("needs isthmus.consul.datacenters: failover datacenters must be watched, "
                    + "and with isthmus.consul.datacenters empty only the agent's own datacenter is");
        }
        List<String> order = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String raw : failover) {
            String dc = raw == null ? "" : raw.trim();
            if (dc.isEmpty()) {
                throw new IllegalArgumentException("has an empty entry");
            }
            if (dc.equals(dcs.get(0))) {
                throw new IllegalArgumentException("'" + dc + "' is the default datacenter (the first of isthmus.consul.datacenters), "
                        + "which is always tried first; list only the datacenters to fail over to");
            }
            if (!dcs.contains(dc)) {
                throw new IllegalArgumentException("'" + dc + "' is not watched; add it to isthmus.consul.datacenters " + dcs);
            }
            if (!seen.add(dc)) {
                throw new IllegalArgumentException("lists '" + dc + "' twice");
            }
            order.add(dc);
        }
        return new DatacenterFailover(order);
    }

    public boolean enabled() {
        return !datacenters.isEmpty();
    }

    /**
     * Where a reference resolves: the datacenter it names (pinned: never fails over), else
     * {@link #serving}; null when nowhere.
     *
     * @param named the reference's datacenter ({@code consul:dc2/web}), or null ({@code consul:web})
     */
    public String resolve(String named, String defaultDatacenter, Function<String, Availability> availability) {
        return named != null ? named : serving(defaultDatacenter, availability);
    }

    /**
     * The datacenter that answers: {@code defaultDatacenter} when it has a routable instance (or
     * has not read the service yet), else the first failover datacenter that has one; null when
     * none has.
     */
    public String serving(String defaultDatacenter, Function<String, Availability> availability) {
        if (!enabled() || defaultDatacenter != null && availability.apply(defaultDatacenter) != Availability.NONE) {
            return defaultDatacenter;
        }
        for (String dc : datacenters) {
            if (!dc.equals(defaultDatacenter) && availability.apply(dc) == Availability.ROUTABLE) {
                return dc;
            }
        }
        return null;
    }

    /** The default datacenter, then the failover order: every datacenter an unqualified name may resolve in. */
    public List<String> candidates(String defaultDatacenter) {
        List<String> out = new ArrayList<>(datacenters.size() + 1);
        if (defaultDatacenter != null) {
            out.add(defaultDatacenter);
        }
        datacenters.stream().filter(dc -> !dc.equals(defaultDatacenter)).forEach(out::add);
        return out;
    }
}
