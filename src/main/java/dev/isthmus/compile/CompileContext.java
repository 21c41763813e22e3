package dev.isthmus.compile;

import dev.isthmus.spec.GatewayRouteSpec;

/**
 * What a compile unit sees of the route being compiled.
 *
 * @param spec the authored spec
 * @param namespace where unqualified Kubernetes service names resolve for this route
 * @param path the compiled path match, null when it is invalid (rewrites and redirects of a prefix need it)
 * @param problems the route's one problem collector
 */
public record CompileContext(GatewayRouteSpec spec, String namespace, PathMatcher path, Problems problems) {
}
