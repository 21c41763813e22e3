package dev.isthmus.spec;

import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Retries, to another instance where there is one. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Retries(
        @JsonPropertyDescription("Retries after the first try, 0-10. Default 1.")
        @Min(0) @Max(MAX_ATTEMPTS) Integer attempts,
        @JsonPropertyDescription("Conditions that trigger a retry. Default: connect-failure, gateway-error. In kubectl and Helm manifests write the key quoted, \"on\": YAML 1.1 reads a bare on as true.")
        List<RetryOn> on,
        @JsonPropertyDescription("Timeout of each try; a try that exceeds it counts as a timeout. Default: none (timeouts.response bounds them all).")
        @Pattern(Durations.PATTERN) String perTryTimeout,
        @JsonPropertyDescription("Base of the exponential backoff between tries. Default 25ms.")
        @Pattern(Durations.PATTERN) String backoff,
        @JsonPropertyDescription("Methods that may be retried. Default: the idempotent ones (GET, HEAD, OPTIONS, PUT, DELETE).")
        List<HttpMethod> methods) {

    public static final int MAX_ATTEMPTS = 10;
    public static final int DEFAULT_ATTEMPTS = 1;
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(25);
}
