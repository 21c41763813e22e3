package dev.isthmus.compile.policy;

import java.time.Duration;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.spec.CircuitBreaker;
import dev.isthmus.spec.GatewayRouteSpec;

/** A Resilience4j circuit breaker over the route's upstream calls ({@code circuitBreaker}), every default filled in. */
public record CircuitBreakerPolicy(int failureRateThreshold, Duration slowCallDurationThreshold, int slowCallRateThreshold,
        int minimumCalls, Duration openDuration, int halfOpenCalls) implements RoutePolicy {

    public static final String NAME = "circuitBreaker";
    static final Duration MAX_DURATION = Duration.ofHours(24);

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<CircuitBreakerPolicy> {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Scope scope() {
            return Scope.FORWARD;
        }

        @Override
        public boolean declared(GatewayRouteSpec spec) {
            return spec.circuitBreaker() != null;
        }

        @Override
        public CircuitBreakerPolicy compile(CompileContext c) {
            CircuitBreaker b = c.spec().circuitBreaker();
            if (b == null) {
                return null;
            }
            Problems p = c.problems();
            int failureRate = p.intIn("circuitBreaker.failureRateThreshold", b.failureRateThreshold(), CircuitBreaker.DEFAULT_FAILURE_RATE, 1, 100);
            int slowRate = p.intIn("circuitBreaker.slowCallRateThreshold", b.slowCallRateThreshold(), CircuitBreaker.DEFAULT_SLOW_CALL_RATE, 1, 100);
            int minimum = p.intIn("circuitBreaker.minimumCalls", b.minimumCalls(), CircuitBreaker.DEFAULT_MINIMUM_CALLS, 1,
                    CircuitBreaker.MAX_MINIMUM_CALLS);
            int halfOpen = p.intIn("circuitBreaker.halfOpenCalls", b.halfOpenCalls(), CircuitBreaker.DEFAULT_HALF_OPEN_CALLS, 1,
                    CircuitBreaker.MAX_HALF_OPEN_CALLS);
            Duration slow = b.slowCallDurationThreshold() == null ? CircuitBreaker.DEFAULT_SLOW_CALL_DURATION
                    : p.duration("circuitBreaker.slowCallDurationThreshold", b.slowCallDurationThreshold(), MAX_DURATION);
            Duration open = b.openDuration() == null ? CircuitBreaker.DEFAULT_OPEN_DURATION
                    : p.duration("circuitBreaker.openDuration", b.openDuration(), MAX_DURATION);
            return new CircuitBreakerPolicy(failureRate, slow, slowRate, minimum, open, halfOpen);
        }
    }
}
