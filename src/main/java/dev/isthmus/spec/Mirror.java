package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Copies a share of requests to a shadow backend; its responses are discarded. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.service) != has(self.url)", message = "exactly one of service or url is required")
public record Mirror(
        @JsonPropertyDescription("Shadow service, in the forms of backends[].service.")
        @Size(max = BackendRef.MAX_SERVICE) String service,
        @JsonPropertyDescription("A fixed http(s) URL instead of a service.")
        @Pattern("^https?://") @Size(max = BackendRef.MAX_URL) String url,
        @JsonPropertyDescription("Share of requests mirrored, 0-100. Default 100.")
        @Min(0) @Max(100) Integer percent) {

    public static final int DEFAULT_PERCENT = 100;
}
