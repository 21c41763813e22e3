package dev.isthmus.runtime.ratelimit;

import java.util.Map;

import reactor.core.publisher.Mono;

/**
 * The {@code local} rate-limit scope: one token bucket per key, in this gateway replica's memory
 * (Spring Cloud Gateway's webflux module ships only a Redis-backed limiter; Bucket4j would bring
 * its own per-key map, where Isthmus needs one bound across all routes). One instance per route;
 * the route id argument is ignored. Buckets live in the shared {@link LocalBucketTable}; when it is
 * full, keys without a bucket share this route's overflow bucket (limited together, never unlimited).
 */
public final class TokenBucketRateLimiter extends RouteRateLimiter {

    private final double ratePerNano;
    private final int burst;
    private final long fillNanos;
    private final LocalBucketTable table;
    private final int id;
    private final LocalBucketTable.Bucket overflow;
    private final Map<String, String> limitHeaders;

    public TokenBucketRateLimiter(int requestsPerSecond, int burst, LocalBucketTable table) {
        this.ratePerNano = requestsPerSecond / 1e9;
        this.burst = burst;
        this.fillNanos = (long) Math.ceil(burst / ratePerNano);
        this.table = table;
        this.id = table.newLimiterId();
        this.overflow = new LocalBucketTable.Bucket(burst, table.now(), fillNanos);
        this.limitHeaders = Map.of(RateLimitHeaders.REPLENISH_RATE, String.valueOf(requestsPerSecond),
                RateLimitHeaders.BURST_CAPACITY, String.valueOf(burst), RateLimitHeaders.REQUESTED_TOKENS, "1");
    }

    @Override
    public Mono<Response> isAllowed(String routeId, String key) {
        return Mono.just(tryAcquire(key));
    }

    Response tryAcquire(String key) {
        LocalBucketTable.Bucket bucket = table.bucket(id, key, burst, fillNanos);
        if (bucket == null) {
            bucket = overflow;
        }
        long now = table.now();
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
}
