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
        @Required @Min(1) @Max(MAX_REQUESTS_PER_SECOND) Integer requestsPerSecond,
        @JsonPropertyDescription("Bucket size. Default: requestsPerSecond.")
        @Min(1) @Max(MAX_BURST) Integer burst,
        @JsonPropertyDescription("'client-ip' (default) or 'header:<name>'; requests without the header share one bucket.")
        @Pattern("^(client-ip|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$") String key,
        @JsonPropertyDescription("local (default): per gateway replica; redis: shared by all replicas.")
        RateLimitScope scope) {

    public static final int MAX_REQUESTS_PER_SECOND = 1_000_000;
    public static final int MAX_BURST = 10_000_000;
    /** The longest an emptied bucket may take to refill: burst / requestsPerSecond, in seconds. */
    public static final int MAX_BUCKET_FILL_SECONDS = 86_400;
    public static final String CLIENT_IP = "client-ip";
    public static final String HEADER_KEY_PREFIX = "header:";
}
