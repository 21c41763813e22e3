package dev.isthmus.spec;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** A Resilience4j circuit breaker over this route's upstream calls. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CircuitBreaker(
        @JsonPropertyDescription("Failure rate (percent) that opens the breaker. Default 50.")
        @Min(1) @Max(100) Integer failureRateThreshold,
        @JsonPropertyDescription("Calls slower than this count as slow.")
        @Pattern(Durations.PATTERN) String slowCallDurationThreshold,
        @JsonPropertyDescription("Slow-call rate (percent) that opens the breaker. Default 100.")
        @Min(1) @Max(100) Integer slowCallRateThreshold,
        @JsonPropertyDescription("Calls recorded before rates are computed. Default 20.")
        @Min(1) @Max(MAX_MINIMUM_CALLS) Integer minimumCalls,
        @JsonPropertyDescription("How long the breaker stays open before letting trial calls through. Default 30s.")
        @Pattern(Durations.PATTERN) String openDuration,
        @JsonPropertyDescription("Trial calls allowed while half-open. Default 5.")
        @Min(1) @Max(MAX_HALF_OPEN_CALLS) Integer halfOpenCalls) {

    public static final int DEFAULT_FAILURE_RATE = 50;
    public static final int DEFAULT_SLOW_CALL_RATE = 100;
    public static final Duration DEFAULT_SLOW_CALL_DURATION = Duration.ofSeconds(60);
    public static final int DEFAULT_MINIMUM_CALLS = 20;
    public static final int MAX_MINIMUM_CALLS = 100000;
    public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(30);
    public static final int DEFAULT_HALF_OPEN_CALLS = 5;
    public static final int MAX_HALF_OPEN_CALLS = 1000;
}
