package dev.isthmus.runtime;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsConfigurationSource;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.server.ManagementPort;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Replaces Spring Cloud Gateway's {@link RoutePredicateHandlerMapping}, which tests every route's
 * predicate in turn, with a lookup in the current {@link RouteTable}'s index: cost independent of
 * the number of routes. Registered under the same type, so the rest of Spring Cloud Gateway
 * (actuator endpoint, CORS listener) finds it where it expects it.
 */
public class IndexedRouteHandlerMapping extends RoutePredicateHandlerMapping {

    private final RouteTableHolder tables;
    private final ManagementPort managementPort;

    public IndexedRouteHandlerMapping(FilteringWebHandler webHandler, RouteLocator routeLocator,
            GlobalCorsProperties globalCorsProperties, Environment environment, RouteTableHolder tables,
            ManagementPort managementPort) {
        super(webHandler, routeLocator, globalCorsProperties, environment);
        this.tables = tables;
        this.managementPort = managementPort;
    }

    @Override
    protected Mono<?> getHandlerInternal(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        if (managementPort.receivedOn(request)) {
            return Mono.empty();
        }
        String path = exchange.getAttribute(RouteAttributes.NORMALIZED_PATH);
        if (path == null) {
            path = request.getURI().getRawPath();
        }
        String method = request.getMethod().name();
        if (CorsUtils.isPreFlightRequest(request)) {
            // A preflight asks about another method: match the route that request would use.
            method = request.getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
        }
        ActiveRoute route = tables.get().find(HostHeaders.hostOf(request.getHeaders().getFirst(HttpHeaders.HOST)), path, method,
                request);
        if (route == null) {
            return Mono.empty();
        }
        exchange.getAttributes().put(GATEWAY_ROUTE_ATTR, route.route());
        exchange.getAttributes().put(RouteAttributes.ACTIVE_ROUTE, route);
        return Mono.just(route.handler());
    }

    @Override
    protected CorsConfiguration getCorsConfiguration(Object handler, ServerWebExchange exchange) {
        return handler instanceof CorsConfigurationSource source ? source.getCorsConfiguration(exchange) : null;
    }

    /** Not used: {@link #getHandlerInternal} looks routes up in the index. */
    @Override
    protected Mono<Route> lookupRoute(ServerWebExchange exchange) {
        return Mono.justOrEmpty(exchange.<ActiveRoute>getAttribute(RouteAttributes.ACTIVE_ROUTE)).map(ActiveRoute::route);
    }
}
