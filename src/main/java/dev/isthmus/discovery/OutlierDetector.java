package dev.isthmus.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health checking, as Envoy's outlier detection: an instance that fails to connect or
 * answers with gateway errors (502, 503, 504) {@code consecutiveFailures} times in a row is ejected
 * for {@code baseEjectionTime} times the number of times it has been ejected (capped), then comes
 * back on its own. Never ejects more than {@code maxEjectionPercent} of a backend's instances, so
 * a backend-wide failure still reaches the backend rather than failing fast on the gateway.
 * <p>
 * State is kept per scope, the route owner ({@code BackendPool.Backend#scope()}): one owner's
 * routes to an address cannot eject it for another owner's routes (security.md M5); a tenant that
 * points a route at another team's pod and makes it fail only ejects it for itself.
 */
public final class OutlierDetector {

    private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

    private final int consecutiveFailures;
    private final long baseEjectionNanos;
    private final long maxEjectionNanos;
    private final int maxEjectionPercent;
    private final LongSupplier clock;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private volatile boolean anyEjected; // skips the scan until the first ejection

    /** Per-instance record, keyed by scope and address. */
    static final class State {
        int failures;
        int ejections;
        long ejectedUntil;
        long lastEjectedAt;
        long lastFailureAt;
    }

    /** A sweep of forgotten instances (pod IPs come and go) runs at most this often, and only past SWEEP_SIZE states. */
    private static final int SWEEP_SIZE = 1024;
    private volatile long lastSweep;

    /** An instance's passive health, for {@code /actuator/upstreams}. */
    public record Ejection(String address, int consecutiveFailures, int timesEjected, boolean ejected, long remainingMillis) {
    }

    public OutlierDetector(int consecutiveFailures, Duration baseEjectionTime, int maxEjectionPercent) {
        this(consecutiveFailures, baseEjectionTime, maxEjectionPercent, System::nanoTime);
    }

    OutlierDetector(int consecutiveFailures, Duration baseEjectionTime, int maxEjectionPercent, LongSupplier clock) {
        this.consecutiveFailures = consecutiveFailures;
        this.baseEjectionNanos = baseEjectionTime.toNanos();
        this.maxEjectionNanos = baseEjectionTime.toNanos() * 10;
        this.maxEjectionPercent = maxEjectionPercent;
        this.clock = clock;
    }

    private static String key(String scope, Instance instance) {
        return scope + "|" + instance.authority();
    }

    public void success(String scope, Instance instance) {
        String key = key(scope, instance);
        State s = states.get(key);
        if (s != null) {
            boolean forget;
            synchronized (s) {
                s.failures = 0;
                forget = s.ejections == 0 || clock.getAsLong() - s.lastEjectedAt > 2 * maxEjectionNanos;
            }
            if (forget) {
                states.remove(key, s); // healthy, and nothing to remember: the map holds only the troubled
            }
        }
    }

    /** Drops the states of instances not ejected and quiet for twice the longest ejection: gone, or healthy again. */
    private void sweep(long now) {
        if (states.size() <= SWEEP_SIZE || now - lastSweep < maxEjectionNanos) {
            return;
        }
        lastSweep = now;
        states.entrySet().removeIf(e -> {
            State st = e.getValue();
            synchronized (st) {
                return st.ejectedUntil - now <= 0 && now - Math.max(st.lastFailureAt, st.lastEjectedAt) > 2 * maxEjectionNanos;
            }
        });
    }

    public void failure(String scope, Instance instance) {
        State s = states.computeIfAbsent(key(scope, instance), k -> new State());
        long now = clock.getAsLong();
        sweep(now);
        synchronized (s) {
            s.failures++;
            s.lastFailureAt = now;
            if (s.failures >= consecutiveFailures && s.ejectedUntil - now <= 0) {
                s.ejections++;
                s.lastEjectedAt = now;
                s.ejectedUntil = now + Math.min(baseEjectionNanos * s.ejections, maxEjectionNanos);
                s.failures = 0;
                anyEjected = true;
                log.warn("Ejecting upstream {} for the routes of {} for {} ms after {} consecutive failures (ejection #{})",
                        instance.authority(), scope, (s.ejectedUntil - now) / 1_000_000, consecutiveFailures, s.ejections);
            }
        }
    }

    /**
     * The instances not currently ejected, bounded by {@code maxEjectionPercent}: when too many are
     * ejected, the least recently ejected are let back first.
     */
    public List<Instance> filter(String scope, List<Instance> instances) {
        if (!anyEjected || instances.isEmpty()) {
            return instances;
        }
        long now = clock.getAsLong();
        List<Instance> healthy = null;
        List<Instance> ejected = null;
        for (int i = 0; i < instances.size(); i++) {
            Instance instance = instances.get(i);
            State s = states.get(key(scope, instance));
            boolean out = s != null && s.ejectedUntil - now > 0;
            if (out) {
                if (healthy == null) {
                    healthy = new ArrayList<>(instances.subList(0, i));
                    ejected = new ArrayList<>();
                }
                ejected.add(instance);
            }
            else if (healthy != null) {
                healthy.add(instance);
            }
        }
        if (healthy == null) {
            return instances;
        }
        int maxEjected = instances.size() * maxEjectionPercent / 100;
        if (ejected.size() > maxEjected) {
            ejected.sort((a, b) -> Long.compare(lastEjectedAt(scope, a), lastEjectedAt(scope, b)));
            healthy.addAll(ejected.subList(0, ejected.size() - maxEjected));
        }
        return healthy;
    }

    private long lastEjectedAt(String scope, Instance instance) {
        State s = states.get(key(scope, instance));
        return s == null ? 0 : s.lastEjectedAt;
    }

    public boolean isEjected(String scope, Instance instance) {
        State s = states.get(key(scope, instance));
        return s != null && s.ejectedUntil - clock.getAsLong() > 0;
    }

    public Ejection describe(String scope, Instance instance) {
        State s = states.get(key(scope, instance));
        if (s == null) {
            return new Ejection(instance.authority(), 0, 0, false, 0);
        }
        long remaining = s.ejectedUntil - clock.getAsLong();
        return new Ejection(instance.authority(), s.failures, s.ejections, remaining > 0, Math.max(0, remaining / 1_000_000));
    }

    /** Total ejections so far (a metric). */
    public long totalEjections() {
        long n = 0;
        for (State s : states.values()) {
            n += s.ejections;
        }
        return n;
    }
}
