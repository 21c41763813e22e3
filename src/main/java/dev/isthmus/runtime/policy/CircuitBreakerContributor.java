package dev.isthmus.runtime.policy;

import java.time.Duration;
import java.util.Set;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;

import org.springframework.cloud.gateway.filter.factory.SpringCloudCircuitBreakerFilterFactory;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.CircuitBreakerPolicy;
import dev.isthmus.compile.policy.Timeouts;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;

/**
 * {@code circuitBreaker}: Spring Cloud CircuitBreaker's Resilience4j filter, one breaker per route
 * (named by its id, so {@code /actuator/upstreams} and Resilience4j's metrics find it).
 */
public final class CircuitBreakerContributor implements RouteFilterContributor<CircuitBreakerPolicy> {

    private final SpringCloudCircuitBreakerFilterFactory factory;
    private final CircuitBreakerRegistry breakers;
    private final TimeLimiterRegistry timeLimiters;

    public CircuitBreakerContributor(SpringCloudCircuitBreakerFilterFactory factory, CircuitBreakerRegistry breakers,
            TimeLimiterRegistry timeLimiters) {
        this.factory = factory;
        this.breakers = breakers;
        this.timeLimiters = timeLimiters;
    }

    @Override
    public String policy() {
        return CircuitBreakerPolicy.NAME;
    }

    @Override
    public Class<CircuitBreakerPolicy> type() {
        return CircuitBreakerPolicy.class;
    }

    @Override
    public void contribute(CircuitBreakerPolicy p, CompiledRoute compiled, RouteFilters route) {
        String routeId = compiled.id();
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .failureRateThreshold(p.failureRateThreshold())
                .slowCallRateThreshold(p.slowCallRateThreshold())
                .slowCallDurationThreshold(p.slowCallDurationThreshold())
                .minimumNumberOfCalls(p.minimumCalls())
                .slidingWindowSize(Math.max(100, p.minimumCalls()))
                .waitDurationInOpenState(p.openDuration())
                .permittedNumberOfCallsInHalfOpenState(p.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build();
        // A changed route must not inherit the old breaker: replace its configuration and instance.
        breakers.addConfiguration(routeId, config);
        breakers.remove(routeId);
        // Resilience4j's default time limiter (1 s) would cut every slower call: timeouts are the route's own.
        Timeouts timeouts = compiled.policy(Timeouts.class);
        Duration limit = timeouts != null && timeouts.response() != null ? timeouts.response().plusSeconds(1) : Duration.ofDays(1);
        timeLimiters.addConfiguration(routeId, TimeLimiterConfig.custom().timeoutDuration(limit).build());
        timeLimiters.remove(routeId);
        var c = new SpringCloudCircuitBreakerFilterFactory.Config().setName(routeId);
        c.setRouteId(routeId);
        c.setStatusCodes(Set.of("500", "502", "503", "504"));
        route.add(factory.apply(c));
    }
}
