package dev.isthmus.runtime.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketRateLimiterTest {

    final AtomicLong now = new AtomicLong();

    @Test
    void allowsTheBurstThenTheRateAndSaysWhenToRetry() {
        TokenBucketRateLimiter limiter = new TokenBucketRateLimiter(10, 20, 1000, now::get);
        for (int i = 0; i < 20; i++) {
            assertThat(limiter.tryAcquire("ip").isAllowed()).as("request %d of the burst", i).isTrue();
        }
        var denied = limiter.tryAcquire("ip");
        assertThat(denied.isAllowed()).isFalse();
        assertThat(denied.getHeaders()).containsEntry("Retry-After", "1").containsEntry("X-RateLimit-Remaining", "0")
                .containsEntry("X-RateLimit-Burst-Capacity", "20");
        now.addAndGet(500_000_000L); // half a second: 5 tokens
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            allowed += limiter.tryAcquire("ip").isAllowed() ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(5);
        assertThat(limiter.tryAcquire("other").isAllowed()).as("keys have their own buckets").isTrue();
    }

    @Test
    void boundsTheNumberOfTrackedKeys() {
        TokenBucketRateLimiter limiter = new TokenBucketRateLimiter(1, 1, 100, now::get);
        for (int i = 0; i < 100; i++) {
            limiter.tryAcquire("k" + i);
        }
        // all 100 buckets are empty (active): a new key is let through untracked
        var untracked = limiter.tryAcquire("new");
        assertThat(untracked.isAllowed()).isTrue();
        assertThat(limiter.trackedKeys()).isEqualTo(100);
        now.addAndGet(2_000_000_000L); // every bucket refills: idle keys are evicted for new ones
        assertThat(limiter.tryAcquire("newer").isAllowed()).isTrue();
        assertThat(limiter.trackedKeys()).isEqualTo(1);
    }
}
