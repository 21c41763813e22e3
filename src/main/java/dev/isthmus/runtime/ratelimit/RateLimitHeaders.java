package dev.isthmus.runtime.ratelimit;

import java.util.HashMap;
import java.util.Map;

import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;

/**
 * Response headers of rate-limited routes: Spring Cloud Gateway's {@code X-RateLimit-*} names
 * (as its Redis limiter sends them) for both scopes, plus {@code Retry-After} on a 429.
 */
final class RateLimitHeaders {

    static final String REMAINING = RedisRateLimiter.REMAINING_HEADER;
    static final String REPLENISH_RATE = RedisRateLimiter.REPLENISH_RATE_HEADER;
    static final String BURST_CAPACITY = RedisRateLimiter.BURST_CAPACITY_HEADER;
    static final String REQUESTED_TOKENS = RedisRateLimiter.REQUESTED_TOKENS_HEADER;
    static final String RETRY_AFTER = "Retry-After";

    private RateLimitHeaders() {
    }

    /** @param remaining tokens left, or -1 when unknown (key not tracked) */
    static RateLimiter.Response response(boolean allowed, long remaining, long waitNanos, Map<String, String> limits) {
        Map<String, String> headers = new HashMap<>(limits);
        headers.put(REMAINING, String.valueOf(remaining));
        if (!allowed) {
            headers.put(RETRY_AFTER, String.valueOf(Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L)));
        }
        return new RateLimiter.Response(allowed, headers);
    }
}
