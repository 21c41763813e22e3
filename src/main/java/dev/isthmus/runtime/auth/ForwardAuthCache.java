package dev.isthmus.runtime.auth;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

/**
 * The answers of authorization services, for the routes that cache them ({@code auth.forward.cacheTtl}),
 * in one table bounded by {@code isthmus.auth.forward.cache-max-entries} across all routes (the
 * rate limiter's pattern: a key is 128 bits of a keyed digest of the credential, so an 8 KB cookie
 * costs what a short token costs, and none is ever stored). Each entry expires after its route's
 * TTL; past the bound, Caffeine evicts the least useful entries, and a miss only costs a call.
 */
public final class ForwardAuthCache {

    /** A route's entry for one credential: (route cache id, credential digest). */
    record Key(int route, long hi, long lo) {
    }

    private record Entry(AuthDecision decision, long ttlNanos) {
    }

    private final Cache<Key, Entry> entries;
    private final AtomicInteger routes = new AtomicInteger();

    public ForwardAuthCache(long maxEntries) {
        Expiry<Key, Entry> ttl = new Expiry<>() {
            @Override
            public long expireAfterCreate(Key key, Entry entry, long currentTime) {
                return entry.ttlNanos();
            }

            @Override
            public long expireAfterUpdate(Key key, Entry entry, long currentTime, long currentDuration) {
                return entry.ttlNanos();
            }

            @Override
            public long expireAfterRead(Key key, Entry entry, long currentTime, long currentDuration) {
                return currentDuration;
            }
        };
        this.entries = Caffeine.newBuilder().maximumSize(maxEntries).expireAfter(ttl).executor(Runnable::run).build();
    }

    /** An id for one route's entries. */
    int newRoute() {
        return routes.incrementAndGet();
    }

    AuthDecision get(int route, CredentialDigest.Key credential) {
        Entry e = entries.getIfPresent(new Key(route, credential.hi(), credential.lo()));
        return e == null ? null : e.decision();
    }

    void put(int route, CredentialDigest.Key credential, AuthDecision decision, Duration ttl) {
        entries.put(new Key(route, credential.hi(), credential.lo()), new Entry(decision, ttl.toNanos()));
    }

    /** Entries held now (tests and diagnostics). */
    public long size() {
        entries.cleanUp();
        return entries.estimatedSize();
    }
}
