package dev.isthmus.runtime.ratelimit;

import java.time.Duration;
import java.util.List;

import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import dev.isthmus.compile.policy.RateLimitPolicy;

/**
 * Limiters for routes with {@code scope: redis}, on the Redis of {@code spring.data.redis.*}. Not a
 * {@code RateLimiterProvider} itself: {@link LocalRateLimiterProvider} hands it the redis-scoped routes.
 */
public final class RedisRateLimiterProvider {

    /** Spring Cloud Gateway's token-bucket script, as its RedisRateLimiter runs it. */
    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static final RedisScript<List<Long>> SCRIPT = (RedisScript) RedisScript.of(
            new ClassPathResource("META-INF/scripts/request_rate_limiter.lua"), List.class);

    private final ReactiveStringRedisTemplate redis;
    private final boolean failOpen;
    private final Duration timeout;
    private final RedisRateLimitHealth health;

    public RedisRateLimiterProvider(ReactiveStringRedisTemplate redis, boolean failOpen, Duration timeout, RedisRateLimitHealth health) {
        this.redis = redis;
        this.failOpen = failOpen;
        this.timeout = timeout;
        this.health = health;
    }

    public RateLimiter<?> limiter(String routeId, RateLimitPolicy policy) {
        return new RedisTokenBucketRateLimiter(redis, SCRIPT, policy.requestsPerSecond(), policy.burst(), failOpen, timeout, health);
    }
}
