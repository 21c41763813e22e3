package dev.isthmus.source.gatewayapi;

import java.util.List;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;

/**
 * Everything the Gateway API translation reads, as the informers' caches hold it at one moment:
 * the translator's whole input, so one pass over it decides every route and every status.
 *
 * @param namespaces for {@code allowedRoutes.namespaces.from: Selector} (their labels)
 * @param services for {@code backendRefs} to Services: whether they exist, and their ports
 * @param addresses the addresses clients reach the gateway at (its Service's), reported in
 *     every served Gateway's {@code status.addresses}
 */
public record GatewayApiObjects(List<GatewayClass> classes, List<Gateway> gateways, List<HTTPRoute> routes,
        List<ReferenceGrant> grants, List<Service> services, List<Namespace> namespaces, List<String> addresses) {

    public GatewayApiObjects {
        classes = List.copyOf(classes);
        gateways = List.copyOf(gateways);
        routes = List.copyOf(routes);
        grants = List.copyOf(grants);
        services = List.copyOf(services);
        namespaces = List.copyOf(namespaces);
        addresses = List.copyOf(addresses);
    }
}
