package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A token bucket per key. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RateLimit(
        @JsonPropertyDescription("Tokens added to each key's bucket per second.")
        @Required @Min(1) @Max(1000000) Integer requestsPerSecond,
        @JsonPropertyDescription("Bucket size. Default: requestsPerSecond.")
        @Min(1) @Max(10000000) Integer burst,
        @JsonPropertyDescription("'client-ip' (default) or 'header:<name>'; requests without the header share one bucket.")
        @Pattern("^(client-ip|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$") String key,
        @JsonPropertyDescription("local (default): per gateway replica; redis: shared by all replicas.")
        RateLimitScope scope) {
}
