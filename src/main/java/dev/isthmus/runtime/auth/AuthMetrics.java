package dev.isthmus.runtime.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code isthmus.auth.decisions} (Prometheus: {@code isthmus_auth_decisions_total}), tagged with
 * the route, the policy ({@code auth.jwt}, {@code ipAllow}...) and the outcome (allowed,
 * unauthenticated, forbidden, denied, error). Tags are bounded by the routing table; no tag ever
 * holds a credential, a user name or a client address.
 */
public final class AuthMetrics {

    public static final AuthMetrics NONE = new AuthMetrics(null);

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public AuthMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void record(String route, String policy, AuthDecision decision) {
        if (registry == null) {
            return;
        }
        String outcome = RequestGuard.outcome(decision);
        counters.computeIfAbsent(route + '\0' + policy + '\0' + outcome, k -> Counter.builder("isthmus.auth.decisions")
                .description("Access decisions of route policies").tag("route", route).tag("policy", policy).tag("outcome", outcome)
                .register(registry)).increment();
    }
}
