package dev.isthmus.runtime.ratelimit;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

/**
 * The token buckets of the {@code local} rate-limit scope, for every route of this replica in one
 * table bounded by {@code isthmus.rate-limit.max-keys}. Memory is bounded whatever the keys:
 * <ul>
 * <li>a key is stored as 128 bits of its SHA-256 (a collision, and so one client spending another's
 * tokens, is out of reach), so an 8 KB header value costs what an IP address costs: about 200 bytes
 * per bucket, 20 MB for the default 100,000;</li>
 * <li>a bucket idle long enough to be full again ({@code burst / requestsPerSecond}) is dropped, with
 * nothing lost: a missing bucket is a full one. Caffeine expires and evicts in O(1);</li>
 * <li>past the bound, a key without a bucket is charged to its route's overflow bucket, which all such
 * keys share: they are limited together, at one client's rate, never let through unlimited. Caffeine's
 * size bound is the backstop for concurrent inserts.</li>
 * </ul>
 */
public final class LocalBucketTable {

    private final long maxKeys;
    private final LongSupplier clock;
    private final Cache<Key, Bucket> buckets;
    private final AtomicInteger limiters = new AtomicInteger();

    /** A route limiter's bucket for one key: (limiter, 128 bits of the key's SHA-256). */
    record Key(int limiter, long hi, long lo) {
    }

    static final class Bucket {
        final long fillNanos;
        double tokens;
        long refilledAt;

        Bucket(double tokens, long now, long fillNanos) {
            this.tokens = tokens;
            this.refilledAt = now;
            this.fillNanos = fillNanos;
        }
    }

    public LocalBucketTable(long maxKeys) {
        this(maxKeys, System::nanoTime);
    }

    LocalBucketTable(long maxKeys, LongSupplier clock) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("isthmus.rate-limit.max-keys must be at least 1");
        }
        this.maxKeys = maxKeys;
        this.clock = clock;
        // idle for its fill time, a bucket is full again: expire it then (lossless)
        Expiry<Key, Bucket> untilFull = new Expiry<>() {
            @Override
            public long expireAfterCreate(Key key, Bucket bucket, long currentTime) {
                return bucket.fillNanos;
            }

            @Override
            public long expireAfterUpdate(Key key, Bucket bucket, long currentTime, long currentDuration) {
                return bucket.fillNanos;
            }

            @Override
            public long expireAfterRead(Key key, Bucket bucket, long currentTime, long currentDuration) {
                return bucket.fillNanos;
            }
        };
        this.buckets = Caffeine.newBuilder().maximumSize(maxKeys).expireAfter(untilFull).ticker(clock::getAsLong)
                .executor(Runnable::run).build();
    }

    int newLimiterId() {
        return limiters.incrementAndGet();
    }

    long now() {
        return clock.getAsLong();
    }

    /** The key's bucket, created full; null when the table is at its bound (the caller uses its overflow bucket). */
    Bucket bucket(int limiter, String key, int burst, long fillNanos) {
        Key k = key(limiter, key);
        Bucket b = buckets.getIfPresent(k);
        if (b != null) {
            return b;
        }
        if (buckets.estimatedSize() >= maxKeys) {
            buckets.cleanUp(); // expired buckets make room first
            if (buckets.estimatedSize() >= maxKeys) {
                return null;
            }
        }
        long now = clock.getAsLong();
        return buckets.get(k, x -> new Bucket(burst, now, fillNanos));
    }

    static Key key(int limiter, String key) {
        long[] d = KeyDigest.of(key);
        return new Key(limiter, d[0], d[1]);
    }

    long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }
}
