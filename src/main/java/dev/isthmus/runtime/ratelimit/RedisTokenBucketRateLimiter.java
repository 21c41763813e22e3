package dev.isthmus.runtime.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * The {@code redis} rate-limit scope: one token bucket per route and key in Redis, shared by every
 * gateway replica. Runs Spring Cloud Gateway's own token-bucket script; written around it rather
 * than using its {@code RedisRateLimiter} because that one always lets requests through when Redis
 * fails, while Isthmus lets the operator choose ({@code isthmus.rate-limit.redis-fail-open}), and
 * reports Redis trouble in health.
 */
public final class RedisTokenBucketRateLimiter extends RouteRateLimiter {

    private static final Logger log = LoggerFactory.getLogger(RedisTokenBucketRateLimiter.class);

    private final ReactiveStringRedisTemplate redis;
    private final RedisScript<List<Long>> script;
    private final int rate;
    private final int burst;
    private final boolean failOpen;
    private final RedisRateLimitHealth health;
    private final Map<String, String> limitHeaders;
    private final Duration timeout;

    public RedisTokenBucketRateLimiter(ReactiveStringRedisTemplate redis, RedisScript<List<Long>> script, int rate, int burst,
            boolean failOpen, Duration timeout, RedisRateLimitHealth health) {
        this.redis = redis;
        this.script = script;
        this.rate = rate;
        this.burst = burst;
        this.failOpen = failOpen;
        this.timeout = timeout;
        this.health = health;
        this.limitHeaders = Map.of(RateLimitHeaders.REPLENISH_RATE, String.valueOf(rate), RateLimitHeaders.BURST_CAPACITY,
                String.valueOf(burst), RateLimitHeaders.REQUESTED_TOKENS, "1");
    }

    @Override
    public Mono<Response> isAllowed(String routeId, String key) {
        // The hash tag {...} keeps both keys of a bucket in one Redis Cluster slot; the client's key
        // is stored as a digest, so its size does not depend on what the client sends.
        String prefix = "isthmus.rate_limit.{" + routeId + "|" + KeyDigest.hex(key) + "}.";
        List<String> keys = List.of(prefix + "tokens", prefix + "timestamp");
        List<String> args = List.of(String.valueOf(rate), String.valueOf(burst), "", "1");
        return redis.execute(script, keys, args).next().timeout(timeout).map(result -> {
            health.succeeded();
            boolean allowed = result.get(0) == 1L;
            long remaining = result.get(1);
            // Whole seconds until one token refills (the script's clock is Redis' TIME, in seconds).
            long waitNanos = allowed ? 0 : (long) Math.ceil(1_000_000_000.0 / rate);
            return RateLimitHeaders.response(allowed, remaining, waitNanos, limitHeaders);
        }).onErrorResume(e -> {
            health.failed(e);
            if (failOpen) {
                log.debug("Redis rate limiter unavailable, letting the request through: {}", e.toString());
                return Mono.just(RateLimitHeaders.response(true, -1, 0, limitHeaders));
            }
            return Mono.error(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
                    "rate limiter unavailable (Redis) and isthmus.rate-limit.redis-fail-open is false", e));
        });
    }
}
