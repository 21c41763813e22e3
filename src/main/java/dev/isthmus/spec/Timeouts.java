package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** Upstream timeouts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Timeouts(
        @JsonPropertyDescription("TCP connect timeout to a backend instance.")
        @Pattern(Durations.PATTERN) String connect,
        @JsonPropertyDescription("Whole-request deadline: from the request reaching the gateway to the response headers, retries included.")
        @Pattern(Durations.PATTERN) String response,
        @JsonPropertyDescription("Longest silence on an upstream connection while a response streams.")
        @Pattern(Durations.PATTERN) String idle) {
}
