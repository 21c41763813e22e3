package dev.isthmus.runtime;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsConfigurationSource;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebHandler;

/**
 * The web handler of one route: its global and route filters, sorted once. Routes with a CORS
 * policy are also a {@link CorsConfigurationSource}, which tells the handler mapping to apply CORS
 * to their requests and answer their preflights.
 */
class RouteHandler implements WebHandler {

    private final List<GatewayFilter> filters;

    RouteHandler(List<GatewayFilter> filters) {
        this.filters = List.copyOf(filters);
    }

    static RouteHandler of(List<GatewayFilter> filters, CorsConfiguration cors) {
        return cors == null ? new RouteHandler(filters) : new WithCors(filters, cors);
    }

    List<GatewayFilter> filters() {
        return filters;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange) {
        return new FilterChain(filters).filter(exchange);
    }

    static final class WithCors extends RouteHandler implements CorsConfigurationSource {
        private final CorsConfiguration cors;

        WithCors(List<GatewayFilter> filters, CorsConfiguration cors) {
            super(filters);
            this.cors = cors;
        }

        @Override
        public CorsConfiguration getCorsConfiguration(ServerWebExchange exchange) {
            return cors;
        }
    }
}
