package dev.isthmus.runtime.filter;

import java.nio.charset.StandardCharsets;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.isthmus.compile.PathNormalizer;
import dev.isthmus.runtime.RouteAttributes;
import dev.isthmus.server.ManagementPort;

/**
 * First thing on the gateway port: normalizes the request path ({@link PathNormalizer}) so that
 * matching and the upstream see the same path, and answers 400 to paths that could reach an
 * upstream path outside the prefix they matched.
 */
public final class PathNormalizationWebFilter implements WebFilter, Ordered {

    private final ManagementPort managementPort;

    public PathNormalizationWebFilter(ManagementPort managementPort) {
        this.managementPort = managementPort;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        if (managementPort.receivedOn(request)) {
            return chain.filter(exchange);
        }
        String raw = request.getURI().getRawPath();
        String normalized;
        try {
            normalized = PathNormalizer.normalize(raw);
        }
        catch (PathNormalizer.RejectedPathException e) {
            return badRequest(exchange, e.getMessage());
        }
        exchange.getAttributes().put(RouteAttributes.NORMALIZED_PATH, normalized);
        if (normalized.equals(raw)) {
            return chain.filter(exchange);
        }
        ServerHttpRequest mutated = request.mutate().path(normalized).build();
        return chain.filter(exchange.mutate().request(mutated).build());
    }

    static Mono<Void> badRequest(ServerWebExchange exchange, String reason) {
        return respond(exchange, HttpStatus.BAD_REQUEST, reason);
    }

    static Mono<Void> respond(ServerWebExchange exchange, HttpStatus status, String reason) {
        exchange.getResponse().setStatusCode(status);
        exchange.getResponse().getHeaders().setContentType(MediaType.TEXT_PLAIN);
        DataBuffer body = exchange.getResponse().bufferFactory().wrap((status.getReasonPhrase() + ": " + reason + "\n")
                .getBytes(StandardCharsets.UTF_8));
        return exchange.getResponse().writeWith(Mono.just(body));
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 2;
    }
}
