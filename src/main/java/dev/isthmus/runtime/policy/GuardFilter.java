package dev.isthmus.runtime.policy;

import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.runtime.auth.AuthDecision;
import dev.isthmus.runtime.auth.AuthMetrics;
import dev.isthmus.runtime.auth.RequestGuard;

/**
 * Runs one {@link RequestGuard} in a route's Spring Cloud Gateway chain: a denial is written as the
 * response (the chain stops there, nothing reaches the backend); an admission applies the guard's
 * header edits to the request (removals first) and goes on. All the decision logic is the guard's,
 * so a native data plane applies the same guard the same way.
 */
final class GuardFilter implements GatewayFilter {

    private final String routeId;
    private final String policy;
    private final RequestGuard guard;
    private final AuthMetrics metrics;

    GuardFilter(String routeId, String policy, RequestGuard guard, AuthMetrics metrics) {
        this.routeId = routeId;
        this.policy = policy;
        this.guard = guard;
        this.metrics = metrics;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        return guard.check(new ExchangeAuthRequest(exchange.getRequest())).flatMap(decision -> {
            metrics.record(routeId, policy, decision);
            if (decision instanceof AuthDecision.Allow allow) {
                if (!allow.edits()) {
                    return chain.filter(exchange);
                }
                return chain.filter(exchange.mutate().request(r -> r.headers(h -> {
                    allow.remove().forEach(h::remove);
                    allow.set().forEach(h::set);
                })).build());
            }
            return deny(exchange, (AuthDecision.Deny) decision);
        });
    }

    private static Mono<Void> deny(ServerWebExchange exchange, AuthDecision.Deny deny) {
        ServerWebExchangeUtils.setAlreadyRouted(exchange); // no routing filter may send it upstream after all
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatusCode.valueOf(deny.status()));
        for (Map.Entry<String, List<String>> h : deny.headers().entrySet()) {
            response.getHeaders().put(h.getKey(), h.getValue());
        }
        if (deny.body().length == 0) {
            return response.setComplete();
        }
        DataBuffer body = response.bufferFactory().wrap(deny.body());
        return response.writeWith(Mono.just(body));
    }

    @Override
    public String toString() {
        return "[" + policy + " " + guard + "]";
    }
}
