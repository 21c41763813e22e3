package dev.isthmus.model;

import java.util.List;
import java.util.Objects;

/**
 * Permission, given in the target's namespace, for objects of other namespaces to refer to objects
 * in it: the Gateway API's ReferenceGrant (gateway.networking.k8s.io/v1beta1, GEP-709) as the
 * compiler reads it, whether it came from a ReferenceGrant object or from the operator's
 * {@code isthmus.ownership.grants}. A reference within one namespace needs no grant.
 *
 * @param namespace the target's namespace: the grant's own
 * @param from who may refer: each a group, kind and namespace
 * @param to what may be referred to: each a group, kind and optional name (null: every object of that kind)
 */
public record ReferenceGrant(String namespace, List<From> from, List<To> to) {

    /** The core API group, as Services and Secrets have it. */
    public static final String CORE = "";

    public record From(String group, String kind, String namespace) {
        public From {
            group = group == null ? CORE : group;
        }
    }

    public record To(String group, String kind, String name) {
        public To {
            group = group == null ? CORE : group;
            name = name == null || name.isEmpty() ? null : name;
        }
    }

    public ReferenceGrant {
        Objects.requireNonNull(namespace, "namespace");
        from = List.copyOf(from);
        to = List.copyOf(to);
    }
}
