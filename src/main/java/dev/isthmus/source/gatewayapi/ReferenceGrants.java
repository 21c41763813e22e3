package dev.isthmus.source.gatewayapi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantFrom;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantTo;

/**
 * The Gateway API's ReferenceGrant rule (GEP-709): an object may refer to an object in another
 * namespace only when a ReferenceGrant in the target's namespace lists the referring object's
 * group, kind and namespace under {@code from}, and the target's group, kind and (optionally) name
 * under {@code to}. References within one namespace need no grant. The same rule decides
 * cross-namespace references of every route owner (docs/kubernetes.md, "ReferenceGrant").
 */
public final class ReferenceGrants {

    private final Map<String, List<ReferenceGrant>> byNamespace = new HashMap<>();

    public ReferenceGrants(List<ReferenceGrant> grants) {
        for (ReferenceGrant g : grants) {
            byNamespace.computeIfAbsent(g.getMetadata().getNamespace(), k -> new ArrayList<>()).add(g);
        }
    }

    /**
     * @param fromGroup the referring object's API group ({@code gateway.networking.k8s.io})
     * @param toGroup the target's API group, {@code ""} for the core group (Services, Secrets)
     * @param toName the target's name
     */
    public boolean permits(String fromGroup, String fromKind, String fromNamespace, String toGroup, String toKind, String toNamespace,
            String toName) {
        if (Objects.equals(fromNamespace, toNamespace)) {
            return true;
        }
        for (ReferenceGrant g : byNamespace.getOrDefault(toNamespace, List.of())) {
            if (g.getSpec() == null || g.getSpec().getFrom() == null || g.getSpec().getTo() == null) {
                continue;
            }
            boolean from = false;
            for (ReferenceGrantFrom f : g.getSpec().getFrom()) {
                from |= group(f.getGroup()).equals(fromGroup) && fromKind.equals(f.getKind()) && fromNamespace.equals(f.getNamespace());
            }
            if (!from) {
                continue;
            }
            for (ReferenceGrantTo t : g.getSpec().getTo()) {
                if (group(t.getGroup()).equals(toGroup) && toKind.equals(t.getKind())
                        && (t.getName() == null || t.getName().isEmpty() || t.getName().equals(toName))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String group(String g) {
        return g == null ? "" : g;
    }
}
