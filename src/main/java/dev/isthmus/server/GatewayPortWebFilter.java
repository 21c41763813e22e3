package dev.isthmus.server;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * A web filter for the gateway port only. Spring Boot's management child context inherits the main
 * context's {@code WebFilter} beans, so every gateway-port filter would also run on the actuator's
 * port; this base holds the one guard ({@link ManagementPort}) that lets requests there through
 * untouched, so no filter can forget it.
 */
public abstract class GatewayPortWebFilter implements WebFilter, Ordered {

    private final ManagementPort managementPort;

    protected GatewayPortWebFilter(ManagementPort managementPort) {
        this.managementPort = managementPort;
    }

    @Override
    public final Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return managementPort.receivedOn(exchange.getRequest()) ? chain.filter(exchange) : filterGatewayPort(exchange, chain);
    }

    /** The filter, for a request that arrived on the gateway port. */
    protected abstract Mono<Void> filterGatewayPort(ServerWebExchange exchange, WebFilterChain chain);
}
