package dev.isthmus.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;


/**
 * The Gateway API's ReferenceGrant rule (GEP-709): an object may refer to an object in another
 * namespace only when a grant in the target's namespace lists the referring object's group, kind
 * and namespace under {@code from}, and the target's group, kind and (optionally) name under
 * {@code to}. References within one namespace need no grant. Applied to every route owner's
 * cross-namespace Service references, whatever the route's source (docs/security.md).
 */
public final class ReferenceGrants {

    public static final ReferenceGrants NONE = new ReferenceGrants(List.of());

    /** The Kubernetes Gateway API's group, of HTTPRoutes. */
    public static final String GATEWAY_API_GROUP = "gateway.networking.k8s.io";

    /** The API group of GatewayRoutes. */
    public static final String ISTHMUS_GROUP = "isthmus.dev";

    private final Map<String, List<ReferenceGrant>> byNamespace = new HashMap<>();

    public ReferenceGrants(List<ReferenceGrant> grants) {
        for (ReferenceGrant g : grants) {
            byNamespace.computeIfAbsent(g.namespace(), k -> new ArrayList<>()).add(g);
        }
    }

    /**
     * @param fromGroup the referring object's API group ({@code isthmus.dev}, {@code ""} for ConfigMaps)
     * @param toGroup the target's API group, {@code ""} for the core group (Services)
     */
    public boolean permits(String fromGroup, String fromKind, String fromNamespace, String toGroup, String toKind, String toNamespace,
            String toName) {
        if (Objects.equals(fromNamespace, toNamespace)) {
            return true;
        }
        for (ReferenceGrant g : byNamespace.getOrDefault(toNamespace, List.of())) {
            boolean from = g.from().stream().anyMatch(f -> f.group().equals(fromGroup) && f.kind().equals(fromKind)
                    && f.namespace().equals(fromNamespace));
            if (from && g.to().stream().anyMatch(t -> t.group().equals(toGroup) && t.kind().equals(toKind)
                    && (t.name() == null || t.name().equals(toName)))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a route of this source kind in {@code fromNamespace} may use Service {@code toNamespace/name}. */
    public boolean permitsService(SourceKind kind, String fromNamespace, String toNamespace, String name) {
        Referrer r = Referrer.of(kind);
        return permits(r.group(), r.kind(), fromNamespace, ReferenceGrant.CORE, "Service", toNamespace, name);
    }

    /** How a grant's {@code from} names the objects routes come from. */
    public record Referrer(String group, String kind) {
        public static Referrer of(SourceKind kind) {
            return switch (kind) {
                case GATEWAY_ROUTE -> new Referrer(ISTHMUS_GROUP, "GatewayRoute");
                case CONFIG_MAP -> new Referrer(ReferenceGrant.CORE, "ConfigMap");
                case HTTP_ROUTE -> new Referrer(GATEWAY_API_GROUP, "HTTPRoute");
                default -> new Referrer(ISTHMUS_GROUP, kind.label());
            };
        }
    }

    /** The referrers a configured grant ({@code isthmus.ownership.grants}) admits: every route source of the namespace. */
    public static List<ReferenceGrant.From> everyRouteKindIn(String namespace) {
        return List.of(new ReferenceGrant.From(ISTHMUS_GROUP, "GatewayRoute", namespace),
                new ReferenceGrant.From(ReferenceGrant.CORE, "ConfigMap", namespace));
    }
}
