package dev.isthmus.runtime.ratelimit;

import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;

import dev.isthmus.compile.RoutePolicies.RateLimitPolicy;
import dev.isthmus.runtime.RouteMaterializer;
import dev.isthmus.spec.RateLimitScope;

/** Local token buckets (one table for every route) for the local scope; the redis scope goes to {@code redis} when configured. */
public final class LocalRateLimiterProvider implements RouteMaterializer.RateLimiterProvider {

    private final LocalBucketTable table;
    private final RouteMaterializer.RateLimiterProvider redis;

    public LocalRateLimiterProvider(int maxKeys, RouteMaterializer.RateLimiterProvider redis) {
        this.table = new LocalBucketTable(maxKeys);
        this.redis = redis;
    }

    @Override
    public RateLimiter<?> limiter(String routeId, RateLimitPolicy policy) {
        if (policy.scope() == RateLimitScope.REDIS && redis != null) {
            return redis.limiter(routeId, policy);
        }
        return new TokenBucketRateLimiter(policy.requestsPerSecond(), policy.burst(), table);
    }
}
