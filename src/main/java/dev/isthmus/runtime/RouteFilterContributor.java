package dev.isthmus.runtime;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.RoutePolicy;

/**
 * Turns one compiled policy into its part of a Spring Cloud Gateway route: filters (from Spring
 * Cloud Gateway's own factories wherever one does the job), route metadata, a CORS configuration.
 * {@link RouteMaterializer} looks contributors up by {@link #policy()}, the policy's name, the way
 * Spring Cloud Gateway's {@code RouteDefinitionRouteLocator} looks filter factories up by name.
 * Contributors are beans: one per policy, replaceable.
 *
 * @param <P> the policy's IR record
 */
public interface RouteFilterContributor<P extends RoutePolicy> {

    /** The name of the policy this serves ({@link RoutePolicy#name()}). */
    String policy();

    Class<P> type();

    /** Adds this policy's filters (in the order they should run), metadata or CORS to {@code route}. */
    void contribute(P policy, CompiledRoute compiled, RouteFilters route);
}
