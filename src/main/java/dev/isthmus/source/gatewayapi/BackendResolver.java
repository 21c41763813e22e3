package dev.isthmus.source.gatewayapi;

import java.util.Map;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.model.ReferenceGrants;

import static dev.isthmus.source.gatewayapi.GatewayApiTranslator.GROUP;
import static dev.isthmus.source.gatewayapi.GatewayApiTranslator.HTTP_ROUTE;

/**
 * Resolves an HTTPRoute's backendRef (or a mirror's) into an Isthmus service reference, or says
 * why it may not be used: a Service of the core group ({@code k8s:<namespace>/<name>}, port by
 * number), in another namespace only with a ReferenceGrant; or, as the documented extension, a
 * Consul service: {@code group: isthmus.dev, kind: ConsulService, name: <service>}, resolved as
 * {@code consul:<service>} in the default datacenter (the first of
 * {@code isthmus.consul.datacenters}, else the agent's).
 */
final class BackendResolver {

    /** The extension group and kind of Consul services as backendRefs. */
    static final String ISTHMUS_GROUP = "isthmus.dev";
    static final String CONSUL_SERVICE = "ConsulService";

    /** A resolved reference: the Isthmus service string and port, or the reason it may not be used. */
    record Resolved(String service, String port, GatewayReason reason, String message) {
        boolean ok() {
            return reason == null;
        }

        static Resolved invalid(GatewayReason reason, String message) {
            return new Resolved(null, null, reason, message);
        }
    }

    private final Map<String, Service> services;
    private final ReferenceGrants grants;

    BackendResolver(Map<String, Service> services, ReferenceGrants grants) {
        this.services = services;
        this.grants = grants;
    }

    /**
     * @param routeNamespace where the referring HTTPRoute lives
     * @param namespace the reference's namespace, null for the route's
     */
    Resolved resolve(String routeNamespace, String group, String kind, String namespace, String name, Integer port) {
        String g = group == null ? "" : group;
        String k = kind == null ? "Service" : kind;
        String ns = namespace == null || namespace.isEmpty() ? routeNamespace : namespace;
        if (ISTHMUS_GROUP.equals(g) && CONSUL_SERVICE.equals(k)) {
            if (namespace != null && !namespace.isEmpty()) {
                return Resolved.invalid(GatewayReason.INVALID_KIND, "ConsulService " + name
                        + ": Consul services have no namespace; leave backendRef.namespace out");
            }
            return new Resolved("consul:" + name, null, null, null);
        }
        if (!g.isEmpty() || !"Service".equals(k)) {
            return Resolved.invalid(GatewayReason.INVALID_KIND, "backendRef " + (g.isEmpty() ? "" : g + "/") + k + " " + ns + "/"
                    + name + ": Isthmus routes to core Services and to " + ISTHMUS_GROUP + "/" + CONSUL_SERVICE);
        }
        if (!grants.permits(GROUP, HTTP_ROUTE, routeNamespace, "", "Service", ns, name)) {
            return Resolved.invalid(GatewayReason.REF_NOT_PERMITTED, "backendRef Service " + ns + "/" + name
                    + ": no ReferenceGrant in namespace " + ns + " allows HTTPRoutes of namespace " + routeNamespace);
        }
        Service service = services.get(ns + "/" + name);
        if (service == null) {
            return Resolved.invalid(GatewayReason.BACKEND_NOT_FOUND, "backendRef Service " + ns + "/" + name + " does not exist");
        }
        if (port == null) {
            return Resolved.invalid(GatewayReason.UNSUPPORTED_VALUE, "backendRef Service " + ns + "/" + name + ": port is required");
        }
        boolean hasPort = service.getSpec() != null && service.getSpec().getPorts() != null
                && service.getSpec().getPorts().stream().map(ServicePort::getPort).anyMatch(p -> Objects.equals(p, port));
        if (!hasPort) {
            return Resolved.invalid(GatewayReason.BACKEND_NOT_FOUND, "backendRef Service " + ns + "/" + name + " has no port " + port);
        }
        return new Resolved("k8s:" + ns + "/" + name, String.valueOf(port), null, null);
    }

    /** The backend that answers 500 in the place of one that may not be used. */
    static String unavailable(Resolved r) {
        return BackendTarget.Unavailable.PREFIX + r.reason().value();
    }
}
