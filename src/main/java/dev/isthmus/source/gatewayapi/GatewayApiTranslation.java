package dev.isthmus.source.gatewayapi;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;

import dev.isthmus.model.RouteSpec;

/**
 * What one translation produced: the Isthmus routes to compile, and the status every served
 * object should have (conditions without {@code lastTransitionTime}, which the status writer keeps
 * or sets when it compares with the object's current status).
 *
 * @param classes by GatewayClass name
 * @param gateways by {@code namespace/name}
 * @param routes by {@code namespace/name}; only the parents this controller serves
 * @param routeIds by HTTPRoute {@code namespace/name}, the ids of the Isthmus routes it yielded, so
 *     the compile verdicts can be folded into its status
 */
public record GatewayApiTranslation(List<RouteSpec> specs, Map<String, GatewayClassStatus> classes, Map<String, GatewayStatus> gateways,
        Map<String, HTTPRouteStatus> routes, Map<String, List<String>> routeIds) {

    public GatewayApiTranslation {
        specs = List.copyOf(specs);
        classes = sorted(classes);
        gateways = sorted(gateways);
        routes = sorted(routes);
        routeIds = sorted(routeIds);
    }

    private static <V> Map<String, V> sorted(Map<String, V> map) {
        return Collections.unmodifiableMap(new TreeMap<>(map));
    }
}
