package dev.isthmus.runtime.ratelimit;

import java.util.Map;

import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;

/**
 * A rate limiter built for one route with that route's limits. Spring Cloud Gateway's
 * {@link RateLimiter} also carries a per-route-id config map for limiters shared by many routes;
 * Isthmus never shares one, so that map stays empty.
 */
abstract class RouteRateLimiter implements RateLimiter<Object> {

    @Override
    public final Map<String, Object> getConfig() {
        return Map.of();
    }

    @Override
    public final Class<Object> getConfigClass() {
        return Object.class;
    }

    @Override
    public final Object newConfig() {
        return new Object();
    }
}
