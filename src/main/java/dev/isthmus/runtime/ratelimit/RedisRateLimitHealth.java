package dev.isthmus.runtime.ratelimit;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the Redis behind the {@code redis} rate-limit scope, from what the limiter saw:
 * {@code DEGRADED} (not down: the gateway keeps serving) since the last failed call, until a call
 * succeeds again. {@code UNKNOWN} until a route has used it.
 */
public final class RedisRateLimitHealth implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(RedisRateLimitHealth.class);

    private final boolean failOpen;
    private final Clock clock = Clock.systemUTC();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<Instant> lastErrorAt = new AtomicReference<>();
    private final AtomicReference<Instant> lastSuccessAt = new AtomicReference<>();
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean failing;

    public RedisRateLimitHealth(boolean failOpen) {
        this.failOpen = failOpen;
    }

    void succeeded() {
        lastSuccessAt.set(clock.instant());
        if (failing) {
            failing = false;
            log.info("Redis rate limiter reachable again");
        }
    }

    void failed(Throwable e) {
        errors.incrementAndGet();
        lastError.set(e.toString());
        lastErrorAt.set(clock.instant());
        if (!failing) {
            failing = true;
            log.warn("Redis rate limiter unavailable ({}): requests are {} until it answers again", e.toString(),
                    failOpen ? "let through unlimited (fail open)" : "refused with 503 (fail closed)");
        }
    }

    public long errors() {
        return errors.get();
    }

    @Override
    public Health health() {
        Health.Builder b = lastSuccessAt.get() == null && lastErrorAt.get() == null ? Health.unknown()
                : failing ? Health.status("DEGRADED") : Health.up();
        b.withDetail("failOpen", failOpen).withDetail("errors", errors.get());
        if (lastError.get() != null) {
            b.withDetail("lastError", lastError.get()).withDetail("lastErrorAt", lastErrorAt.get());
        }
        if (lastSuccessAt.get() != null) {
            b.withDetail("lastSuccessAt", lastSuccessAt.get());
        }
        return b.build();
    }
}
