package dev.isthmus.compile.ownership;

import java.net.URI;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.BackendTarget.Registry;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.Text;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.model.Owner;
import dev.isthmus.model.Provenance;
import dev.isthmus.model.ReferenceGrants;
import dev.isthmus.model.SourceKind;

/**
 * Which backends one route's owner may use (docs/security.md, "Backends"), decided as the route
 * compiles so that every data plane serves the same decision:
 * <ul>
 * <li>the routes file: any backend, with the destination rules of {@link DestinationGuard.Trust#OPERATOR};</li>
 * <li>a namespace: unqualified names resolve in that namespace, in Kubernetes only unless the
 * policy binds Consul services to it ({@link ConsulBinding}), in which case they may fall back as
 * {@code isthmus.discovery.policy} says; {@code k8s:<other>/svc} needs a grant in the other
 * namespace ({@link ReferenceGrants}); {@code consul:} names need a binding; {@code url:} literals
 * are checked against the tenant destination rules;</li>
 * <li>a Consul service: only itself.</li>
 * </ul>
 * Refusals name the reference and the rule, never whether the target exists (no enumeration of
 * other namespaces through status messages).
 */
public final class BackendAdmission {

    private final Owner owner;
    private final SourceKind kind;
    private final String namespace;
    private final OwnershipPolicy policy;
    private final ReferenceGrants grants;

    private BackendAdmission(Owner owner, SourceKind kind, String namespace, OwnershipPolicy policy, ReferenceGrants grants) {
        this.owner = owner;
        this.kind = kind;
        this.namespace = namespace;
        this.policy = policy;
        this.grants = grants;
    }

    /** @param defaultNamespace where the routes file's and Consul routes' unqualified names resolve */
    public static BackendAdmission of(Provenance provenance, String defaultNamespace, OwnershipPolicy policy, ReferenceGrants grants) {
        Owner owner = provenance.owner();
        String ns = owner.kind() == Owner.Kind.NAMESPACE ? owner.namespace() : defaultNamespace;
        return new BackendAdmission(owner, provenance.kind(), ns, policy, grants);
    }

    /** Everything allowed, unqualified names in {@code namespace} (tests of single compile units). */
    public static BackendAdmission unrestricted(String namespace) {
        return new BackendAdmission(Owner.OPERATOR, SourceKind.FILE, namespace, OwnershipPolicy.OPEN, ReferenceGrants.NONE);
    }

    /** Where unqualified and {@code k8s:name} service names resolve for this route. */
    public String namespace() {
        return namespace;
    }

    /** Written by the gateway operator (routes file, properties): may name files on the gateway's filesystem. */
    public boolean operatorOwned() {
        return kind == SourceKind.FILE || kind == SourceKind.PROPERTIES;
    }

    /** The namespace a Secret reference resolves in: a GatewayRoute's or ConfigMap's own; null for every other source. */
    public String secretNamespace() {
        return kind == SourceKind.GATEWAY_ROUTE || kind == SourceKind.CONFIG_MAP ? owner.namespace() : null;
    }

    public DestinationGuard.Trust trust() {
        return owner.isOperator() ? DestinationGuard.Trust.OPERATOR : DestinationGuard.Trust.TENANT;
    }

    /** The target this owner may use for what it wrote, or null (reported to {@code p}) when it may not. */
    public BackendTarget admit(Problems p, String where, BackendTarget target) {
        if (target instanceof BackendTarget.Url url) {
            return url(p, where, url);
        }
        if (!(target instanceof BackendTarget.Service s)) {
            return target; // no destination of its own to admit
        }
        return switch (owner.kind()) {
            case OPERATOR -> s;
            case CONSUL_SERVICE -> {
                if (s.registry() == Registry.CONSUL && owner.name().equals(s.name()) && owner.scope().equals(s.datacenter())) {
                    yield s;
                }
                p.fail(ConditionReason.NOT_ALLOWED_BACKEND, where + ": a Consul service's route may only send to that service itself");
                yield null;
            }
            case NAMESPACE -> namespaced(p, where, s);
        };
    }

    private BackendTarget namespaced(Problems p, String where, BackendTarget.Service s) {
        switch (s.registry()) {
            case ANY -> {
                // The Consul fallback of an unqualified name is this namespace's only with a binding (security.md H2)
                return policy.bindsConsul(namespace, s.name(), null) ? s
                        : new BackendTarget.Service(Registry.KUBERNETES, namespace, null, s.name(), s.port());
            }
            case KUBERNETES -> {
                if (grants.permitsService(kind, namespace, s.namespace(), s.name())) {
                    return s;
                }
                p.fail(ConditionReason.REF_NOT_PERMITTED, where + ".service " + s.display() + ": namespace " + s.namespace()
                        + " grants no reference to Service " + s.name() + " from " + ReferenceGrants.Referrer.of(kind).kind()
                        + "s in namespace " + namespace + " (a ReferenceGrant in " + s.namespace() + ", or isthmus.ownership.grants)");
                return null;
            }
            case CONSUL -> {
                if (policy.bindsConsul(namespace, s.name(), s.datacenter())) {
                    return s;
                }
                p.fail(ConditionReason.NOT_ALLOWED_BACKEND, where + ".service " + s.display() + ": the ownership policy binds no such"
                        + " Consul service to namespace " + namespace + " (isthmus.ownership.consul-services)");
                return null;
            }
            default -> throw new IllegalStateException(s.registry().name());
        }
    }

    private BackendTarget url(Problems p, String where, BackendTarget.Url url) {
        URI uri = url.uri();
        int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        String why = policy.destinations().refusal(uri.getHost(), port, trust());
        if (why == null) {
            return url;
        }
        p.fail(ConditionReason.NOT_ALLOWED_BACKEND, where + ".url " + Text.abbreviate(uri.getHost() + ":" + port) + " is " + why);
        return null;
    }
}
