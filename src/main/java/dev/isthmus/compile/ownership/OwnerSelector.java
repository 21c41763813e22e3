package dev.isthmus.compile.ownership;

import java.util.List;
import java.util.Set;

import dev.isthmus.model.Owner;

/**
 * Which owners a rule of the ownership policy is about: namespaces by name or glob, and Consul
 * services by name or glob, optionally only in some datacenters and only when every registered
 * instance carries a tag. A tag is a filter, not a credential: Consul ACLs are per service name,
 * so whoever may register a service may give it any tag (docs/security.md).
 *
 * @param consulTag a tag (exact, e.g. {@code zone=public}) every instance must carry; null for none
 * @param datacenters Consul datacenters the rule applies in; empty for all
 */
public record OwnerSelector(List<NamePattern> namespaces, List<NamePattern> consulServices, String consulTag,
        List<NamePattern> datacenters) {

    public OwnerSelector {
        namespaces = List.copyOf(namespaces);
        consulServices = List.copyOf(consulServices);
        datacenters = List.copyOf(datacenters);
        consulTag = consulTag == null || consulTag.isBlank() ? null : consulTag.trim();
    }

    public static OwnerSelector namespaces(String... patterns) {
        return new OwnerSelector(NamePattern.all(List.of(patterns)), List.of(), null, List.of());
    }

    /**
     * @param tags what the owner's provenance records of it: for Consul services, the tags on every instance
     */
    public boolean matches(Owner owner, Set<String> tags) {
        return switch (owner.kind()) {
            case OPERATOR -> false;
            case NAMESPACE -> NamePattern.any(namespaces, owner.name());
            case CONSUL_SERVICE -> NamePattern.any(consulServices, owner.name())
                    && (datacenters.isEmpty() || NamePattern.any(datacenters, owner.scope()))
                    && (consulTag == null || tags.contains(consulTag));
        };
    }

    public boolean isEmpty() {
        return namespaces.isEmpty() && consulServices.isEmpty();
    }
}
