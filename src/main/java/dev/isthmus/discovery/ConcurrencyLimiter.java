package dev.isthmus.discovery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bulkhead per upstream and route owner (the key is {@code BackendPool.Backend#bulkheadKey()}:
 * a backend service or URL, for the routes of one owner): at most
 * {@code maxConcurrent} requests in flight from this gateway replica; beyond that, requests fail
 * fast with 503 instead of queueing behind a saturated upstream (Envoy's max_requests). One slow
 * upstream then cannot take every connection and thread of the gateway with it, and one owner's slow
 * requests to another owner's service use up its own slots, not that owner's (security.md M5).
 */
public final class ConcurrencyLimiter {

    private final int maxConcurrent;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong rejected = new AtomicLong();

    public ConcurrencyLimiter(int maxConcurrent) {
        this.maxConcurrent = maxConcurrent;
    }

    /** @return false (and counts a rejection) when the upstream already has the maximum in flight */
    public boolean tryAcquire(String upstream) {
        AtomicInteger n = inFlight.computeIfAbsent(upstream, k -> new AtomicInteger());
        if (n.incrementAndGet() > maxConcurrent) {
            n.decrementAndGet();
            rejected.incrementAndGet();
            return false;
        }
        return true;
    }

    public void release(String upstream) {
        AtomicInteger n = inFlight.get(upstream);
        if (n != null) {
            n.decrementAndGet();
        }
    }

    public int inFlight(String upstream) {
        AtomicInteger n = inFlight.get(upstream);
        return n == null ? 0 : n.get();
    }

    public long rejected() {
        return rejected.get();
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }
}
