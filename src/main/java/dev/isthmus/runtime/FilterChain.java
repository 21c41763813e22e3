package dev.isthmus.runtime;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.web.server.ServerWebExchange;

/**
 * Runs a pre-sorted list of gateway filters. Spring Cloud Gateway's own chain is private to its
 * {@code FilteringWebHandler}, which sorts global and route filters per route on first use and
 * caches them keyed by the {@code Route}'s hash until a RefreshRoutesEvent; Isthmus sorts once per
 * compiled route instead, when the routing table is built.
 */
final class FilterChain implements GatewayFilterChain {

    private final List<GatewayFilter> filters;
    private final int index;

    FilterChain(List<GatewayFilter> filters) {
        this(filters, 0);
    }

    private FilterChain(List<GatewayFilter> filters, int index) {
        this.filters = filters;
        this.index = index;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange) {
        // deferred, like Spring Cloud Gateway's chain: retry filters re-subscribe to it
        return Mono.defer(() -> index < filters.size()
                ? filters.get(index).filter(exchange, new FilterChain(filters, index + 1))
                : Mono.empty());
    }
}
