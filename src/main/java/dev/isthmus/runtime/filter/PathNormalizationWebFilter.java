package dev.isthmus.runtime.filter;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import dev.isthmus.compile.PathNormalizer;
import dev.isthmus.runtime.RouteAttributes;
import dev.isthmus.server.GatewayPortWebFilter;
import dev.isthmus.server.ManagementPort;

/**
 * First thing on the gateway port: normalizes the request path ({@link PathNormalizer}) so that
 * matching and the upstream see the same path, and answers 400 to paths that could reach an
 * upstream path outside the prefix they matched.
 */
public final class PathNormalizationWebFilter extends GatewayPortWebFilter {


    public PathNormalizationWebFilter(ManagementPort managementPort) {
        super(managementPort);
    }

    @Override
    protected Mono<Void> filterGatewayPort(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        String raw = request.getURI().getRawPath();
        String normalized;
        try {
            normalized = PathNormalizer.normalize(raw);
        }
        catch (PathNormalizer.RejectedPathException e) {
            return BadRequest.answer(exchange, e.getMessage());
        }
        exchange.getAttributes().put(RouteAttributes.NORMALIZED_PATH, normalized);
        if (normalized.equals(raw)) {
            return chain.filter(exchange);
        }
        ServerHttpRequest mutated = request.mutate().path(normalized).build();
        return chain.filter(exchange.mutate().request(mutated).build());
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 2;
    }
}
