package dev.isthmus.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** CORS policy answered by the gateway (preflights never reach the backend). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Cors(
        @Size(max = 64) List<String> allowOrigins,
        @Size(max = 9) List<HttpMethod> allowMethods,
        @Size(max = 64) List<String> allowHeaders,
        @Size(max = 64) List<String> exposeHeaders,
        Boolean allowCredentials,
        @Pattern(Durations.PATTERN) String maxAge) {
}
