package dev.isthmus.runtime.ratelimit;

import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;

import dev.isthmus.compile.policy.RateLimitPolicy;
import dev.isthmus.spec.RateLimitScope;

/** Local token buckets (one table for every route) for the local scope; the redis scope goes to {@code redis} when configured. */
public final class LocalRateLimiterProvider implements RateLimiterProvider {

    private final LocalBucketTable table;
    private final RedisRateLimiterProvider redis;

    /** @param redis null without Redis: redis-scoped routes then get local buckets */
    public LocalRateLimiterProvider(int maxKeys, RedisRateLimiterProvider redis) {
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
