package dev.isthmus.runtime.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketRateLimiterTest {

    final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void allowsTheBurstThenTheRateAndSaysWhenToRetry() {
        TokenBucketRateLimiter limiter = new TokenBucketRateLimiter(10, 20, new LocalBucketTable(1000, now::get));
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
    void pastTheBoundNewKeysShareOneBucketAndAreStillLimited() {
        LocalBucketTable table = new LocalBucketTable(100, now::get);
        TokenBucketRateLimiter limiter = new TokenBucketRateLimiter(1, 1, table);
        for (int i = 0; i < 100; i++) {
            assertThat(limiter.tryAcquire("k" + i).isAllowed()).isTrue();
        }
        assertThat(table.size()).isEqualTo(100);
        // every tracked bucket is empty (active): new keys go to the route's overflow bucket
        assertThat(limiter.tryAcquire("new-1").isAllowed()).as("the overflow bucket's one token").isTrue();
        assertThat(limiter.tryAcquire("new-2").isAllowed()).as("never unlimited past the bound").isFalse();
        assertThat(limiter.tryAcquire("new-3").isAllowed()).isFalse();
        assertThat(table.size()).isEqualTo(100);
        // a tracked key keeps its own bucket
        assertThat(limiter.tryAcquire("k7").isAllowed()).isFalse();

        now.addAndGet(2_000_000_000L); // every bucket is full again: dropped, with nothing lost
        assertThat(table.size()).isZero();
        assertThat(limiter.tryAcquire("newer").isAllowed()).isTrue();
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void theBoundIsSharedByAllRoutesAndKeysAreStoredAsDigests() {
        LocalBucketTable table = new LocalBucketTable(10, now::get);
        TokenBucketRateLimiter a = new TokenBucketRateLimiter(1, 5, table);
        TokenBucketRateLimiter b = new TokenBucketRateLimiter(1, 5, table);
        String huge = "x".repeat(8192);
        for (int i = 0; i < 5; i++) {
            a.tryAcquire(huge + i);
            b.tryAcquire(huge + i);
        }
        assertThat(table.size()).isEqualTo(10);
        assertThat(a.tryAcquire(huge).isAllowed()).isTrue(); // overflow bucket of a
        assertThat(LocalBucketTable.key(1, huge)).isEqualTo(LocalBucketTable.key(1, huge)).isNotEqualTo(LocalBucketTable.key(2, huge));
    }
}
