package dev.isthmus.compile;

import java.util.List;

import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.SourceKind;
import dev.isthmus.spec.Auth;

/**
 * The access fields that apply to a route: its own {@code auth}, {@code ipAllow} and
 * {@code ipDeny}, or those of the named policy it references ({@link NamedPolicies}). The access
 * compile units read this, never the spec's fields directly.
 *
 * @param auth jwt, forward and basic (never a policy reference); null when none
 * @param policy the named policy these come from, or null for the route's own fields
 * @param owner whose rules apply: the object that wrote these fields (the route's, or the policy's).
 *     It decides what may be referenced: a Secret in the owner's own namespace (GatewayRoutes and
 *     ConfigMaps), or a file (the operator's routes file and properties only)
 */
public record Access(Auth auth, List<String> ipAllow, List<String> ipDeny, String policy, ObjectRef owner) {

    public Access {
        ipAllow = ipAllow == null ? List.of() : ipAllow;
        ipDeny = ipDeny == null ? List.of() : ipDeny;
    }

    /** Written by the gateway operator (routes file, isthmus.* properties): may reference files on the gateway's filesystem. */
    public boolean operatorOwned() {
        return owner.kind() == SourceKind.FILE || owner.kind() == SourceKind.PROPERTIES;
    }

    /** The namespace a Secret reference resolves in; null when the owner has none (file, properties, Consul). */
    public String secretNamespace() {
        return owner.kind() == SourceKind.GATEWAY_ROUTE || owner.kind() == SourceKind.CONFIG_MAP ? owner.namespace() : null;
    }

    /** A field's name in messages: {@code auth.jwt.issuer}, or {@code policy sso: auth.jwt.issuer} when the policy wrote it. */
    public String field(String name) {
        return policy == null ? name : "policy " + policy + ": " + name;
    }
}
