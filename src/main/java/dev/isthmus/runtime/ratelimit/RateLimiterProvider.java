package dev.isthmus.runtime.ratelimit;

import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;

import dev.isthmus.compile.policy.RateLimitPolicy;

/** Rate limiters per route and scope: local token buckets, or a limiter shared through Redis. Replaceable as a bean. */
public interface RateLimiterProvider {

    RateLimiter<?> limiter(String routeId, RateLimitPolicy policy);
}
