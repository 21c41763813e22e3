package dev.isthmus.runtime.policy;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.cloud.gateway.support.GatewayToStringStyler;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.RateLimitPolicy;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;
import dev.isthmus.runtime.ratelimit.LocalBucketTable;
import dev.isthmus.runtime.ratelimit.RateLimitKeyResolver;
import dev.isthmus.runtime.ratelimit.RateLimiterProvider;
import dev.isthmus.runtime.ratelimit.TokenBucketRateLimiter;

/** {@code rateLimit}: Spring Cloud Gateway's RequestRateLimiter with the route's own limiter and key. */
public final class RateLimitContributor implements RouteFilterContributor<RateLimitPolicy> {

    private final RateLimiterProvider limiters;
    /**
     * Spring Cloud Gateway registers its factory only with a RateLimiter bean, and Isthmus has none
     * (every route brings its own limiter), so the factory is made here; its default limiter and
     * key resolver are never used.
     */
    private final RequestRateLimiterGatewayFilterFactory factory = new RequestRateLimiterGatewayFilterFactory(
            new TokenBucketRateLimiter(1, 1, new LocalBucketTable(1)), RateLimitKeyResolver.clientIp());

    public RateLimitContributor(RateLimiterProvider limiters) {
        this.limiters = limiters;
    }

    @Override
    public String policy() {
        return RateLimitPolicy.NAME;
    }

    @Override
    public Class<RateLimitPolicy> type() {
        return RateLimitPolicy.class;
    }

    @Override
    public void contribute(RateLimitPolicy p, CompiledRoute compiled, RouteFilters route) {
        KeyResolver key = p.byClientIp() ? RateLimitKeyResolver.clientIp() : RateLimitKeyResolver.header(p.header());
        @SuppressWarnings("unchecked")
        RateLimiter<Object> limiter = (RateLimiter<Object>) limiters.limiter(compiled.id(), p);
        var c = new RequestRateLimiterGatewayFilterFactory.Config().setKeyResolver(key).setRateLimiter(limiter)
                .setStatusCode(HttpStatus.TOO_MANY_REQUESTS).setDenyEmptyKey(false);
        c.setRouteId(compiled.id());
        GatewayFilter filter = factory.apply(c);
        // Spring Cloud Gateway's rate-limit filter is a lambda; say what it limits in /actuator/gateway.
        String description = GatewayToStringStyler.filterToStringCreator(factory).append("requestsPerSecond", p.requestsPerSecond())
                .append("burst", p.burst()).append("key", p.byClientIp() ? "client-ip" : "header:" + p.header())
                .append("scope", p.scope().name().toLowerCase(java.util.Locale.ROOT)).toString();
        route.add(new GatewayFilter() {
            @Override
            public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
                return filter.filter(exchange, chain);
            }

            @Override
            public String toString() {
                return description;
            }
        });
    }
}
