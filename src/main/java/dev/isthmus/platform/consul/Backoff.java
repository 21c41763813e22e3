package dev.isthmus.platform.consul;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff between {@code isthmus.consul.min-backoff} and {@code max-backoff}, with
 * jitter (each delay is 50-100% of its step) so that many watches failing together do not retry
 * in lockstep when the agent comes back.
 */
public final class Backoff {

    private final long minNanos;
    private final long maxNanos;
    private final DoubleSupplier random;

    public Backoff(Duration min, Duration max) {
        this(min, max, () -> ThreadLocalRandom.current().nextDouble());
    }

    Backoff(Duration min, Duration max, DoubleSupplier random) {
        this.minNanos = Math.max(1, min.toNanos());
        this.maxNanos = Math.max(minNanos, max.toNanos());
        this.random = random;
    }

    /** The delay before attempt {@code failures + 1}, after {@code failures} (1 or more) failures in a row. */
    public Duration delay(int failures) {
        int doublings = Math.min(Math.max(failures, 1) - 1, 62);
        long step = minNanos;
        for (int i = 0; i < doublings && step < maxNanos; i++) {
            step *= 2;
        }
        step = Math.min(step, maxNanos);
        long jittered = (long) (step * (0.5 + 0.5 * random.getAsDouble()));
        return Duration.ofNanos(Math.max(minNanos / 2, jittered));
    }

    public Duration min() {
        return Duration.ofNanos(minNanos);
    }

    public Duration max() {
        return Duration.ofNanos(maxNanos);
    }
}
