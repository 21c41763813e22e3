package dev.isthmus.spec;

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
        @Min(1) @Max(100000) Integer minimumCalls,
        @JsonPropertyDescription("How long the breaker stays open before letting trial calls through. Default 30s.")
        @Pattern(Durations.PATTERN) String openDuration,
        @JsonPropertyDescription("Trial calls allowed while half-open. Default 5.")
        @Min(1) @Max(1000) Integer halfOpenCalls) {
}
