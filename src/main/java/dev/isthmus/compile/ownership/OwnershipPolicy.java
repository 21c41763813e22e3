package dev.isthmus.compile.ownership;

import java.util.List;
import java.util.Set;

import dev.isthmus.compile.HostPattern;
import dev.isthmus.model.Owner;
import dev.isthmus.model.ReferenceGrant;

/**
 * The operator's rules of ownership, as the compiler applies them (docs/security.md):
 *
 * @param hostGrants who may serve which hosts; empty: no host policy, the first claim of a host wins
 * @param sharedHosts hosts several owners may serve together, their routes ordered by precedence
 * @param consulBindings which namespaces may use which Consul services
 * @param grants cross-namespace references the operator allows, in addition to ReferenceGrant objects
 * @param maxRoutesPerOwner most routes one owner other than the operator may have served; 0 for no limit
 * @param destinations where the gateway refuses to connect for route authors
 */
public record OwnershipPolicy(List<HostGrant> hostGrants, List<HostPattern> sharedHosts, List<ConsulBinding> consulBindings,
        List<ReferenceGrant> grants, int maxRoutesPerOwner, DestinationGuard destinations) {

    /** No host policy, no sharing, no Consul bindings, no configured grants, no quota, nothing denied: for unit tests of other parts. */
    public static final OwnershipPolicy OPEN = new OwnershipPolicy(List.of(), List.of(), List.of(), List.of(), 0, DestinationGuard.NONE);

    public OwnershipPolicy {
        hostGrants = List.copyOf(hostGrants);
        sharedHosts = List.copyOf(sharedHosts);
        consulBindings = List.copyOf(consulBindings);
        grants = List.copyOf(grants);
    }

    /** Whether a host policy is configured: then every tenant claim needs a grant. */
    public boolean hasHostPolicy() {
        return !hostGrants.isEmpty();
    }

    /** The most specific pattern a grant of this owner has that covers {@code claimed}; null when none does. */
    HostPattern grantFor(Owner owner, Set<String> tags, HostPattern claimed) {
        HostPattern best = null;
        for (HostGrant g : hostGrants) {
            if (g.owners().matches(owner, tags)) {
                HostPattern p = g.covering(claimed);
                if (p != null && (best == null || best.covers(p))) {
                    best = p;
                }
            }
        }
        return best;
    }

    /** Whether this owner may serve the default host (routes without hosts). Without a host policy, every owner may. */
    boolean allowsDefaultHost(Owner owner, Set<String> tags) {
        return !hasHostPolicy() || hostGrants.stream().anyMatch(g -> g.defaultHost() && g.owners().matches(owner, tags));
    }

    boolean isShared(HostPattern host) {
        return sharedHosts.stream().anyMatch(s -> s.covers(host));
    }

    /** Whether a namespace may use this Consul service (null datacenter: the default one). */
    public boolean bindsConsul(String namespace, String service, String datacenter) {
        return consulBindings.stream().anyMatch(b -> b.permits(namespace, service, datacenter));
    }
}
