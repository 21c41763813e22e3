package dev.isthmus.runtime.ratelimit;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import reactor.core.publisher.Mono;


/**
 * The {@code local} rate-limit scope: one token bucket per key, in this gateway replica's memory.
 * Spring Cloud Gateway (webflux) ships only a Redis-backed limiter, so this is written here. One
 * instance per route; the route id argument is ignored. The number of keys is bounded: idle
 * (full) buckets are dropped first; when every tracked key is active and the bound is reached,
 * new keys are let through rather than tracked, so a flood of distinct keys cannot exhaust memory.
 */
public final class TokenBucketRateLimiter extends RouteRateLimiter {

    private final double ratePerNano;
    private final int burst;
    private final int maxKeys;
    private final LongSupplier clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, String> limitHeaders;

    private static final class Bucket {
        double tokens;
        long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }
    }

    public TokenBucketRateLimiter(int requestsPerSecond, int burst, int maxKeys) {
        this(requestsPerSecond, burst, maxKeys, System::nanoTime);
    }

    TokenBucketRateLimiter(int requestsPerSecond, int burst, int maxKeys, LongSupplier clock) {
        this.ratePerNano = requestsPerSecond / 1e9;
        this.burst = burst;
        this.maxKeys = maxKeys;
        this.clock = clock;
        this.limitHeaders = Map.of(RateLimitHeaders.REPLENISH_RATE, String.valueOf(requestsPerSecond),
                RateLimitHeaders.BURST_CAPACITY, String.valueOf(burst), RateLimitHeaders.REQUESTED_TOKENS, "1");
    }

    @Override
    public Mono<Response> isAllowed(String routeId, String key) {
        return Mono.just(tryAcquire(key));
    }

    Response tryAcquire(String key) {
        long now = clock.getAsLong();
        Bucket bucket = buckets.get(key);
        if (bucket == null) {
            if (buckets.size() >= maxKeys && !evictIdle(now)) {
                return RateLimitHeaders.response(true, -1, 0, limitHeaders);
            }
            bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
        }
        synchronized (bucket) {
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.refilledAt) * ratePerNano);
            bucket.refilledAt = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return RateLimitHeaders.response(true, (long) bucket.tokens, 0, limitHeaders);
            }
            long waitNanos = (long) Math.ceil((1 - bucket.tokens) / ratePerNano);
            return RateLimitHeaders.response(false, 0, waitNanos, limitHeaders);
        }
    }

    /** Drops buckets that have refilled completely (their keys have been idle). */
    private boolean evictIdle(long now) {
        boolean freed = false;
        for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext();) {
            Bucket b = it.next();
            synchronized (b) {
                if (b.tokens + (now - b.refilledAt) * ratePerNano >= burst) {
                    it.remove();
                    freed = true;
                }
            }
        }
        return freed && buckets.size() < maxKeys;
    }

    int trackedKeys() {
        return buckets.size();
    }
}
