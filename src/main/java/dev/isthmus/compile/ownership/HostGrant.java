package dev.isthmus.compile.ownership;

import java.util.List;

import dev.isthmus.compile.HostPattern;

/**
 * One rule of the host policy ({@code isthmus.ownership.hosts}): these owners may serve these
 * hosts. {@code *} among the hosts stands for the default host: routes without hosts, which serve
 * every host that no owner claims.
 */
public record HostGrant(OwnerSelector owners, List<HostPattern> hosts, boolean defaultHost) {

    public static final String DEFAULT_HOST = "*";

    public HostGrant {
        hosts = List.copyOf(hosts);
    }

    /** The most specific of this rule's patterns that covers {@code claimed}, or null. */
    HostPattern covering(HostPattern claimed) {
        HostPattern best = null;
        for (HostPattern h : hosts) {
            if (h.covers(claimed) && (best == null || best.covers(h))) {
                best = h;
            }
        }
        return best;
    }
}
