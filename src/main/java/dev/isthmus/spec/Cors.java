package dev.isthmus.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** CORS policy answered by the gateway (preflights never reach the backend). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Cors(
        @JsonPropertyDescription("Origins allowed to call this route: '*' or scheme://host[:port] (a '*' in the host is a wildcard). Requests from other origins get 403.")
        @Size(max = 64) List<String> allowOrigins,
        @JsonPropertyDescription("Methods a preflight may ask for (Access-Control-Allow-Methods). Default GET, HEAD, POST.")
        @Size(max = 9) List<HttpMethod> allowMethods,
        @JsonPropertyDescription("Request headers a preflight may ask for (Access-Control-Allow-Headers); '*' allows any.")
        @Size(max = 64) List<String> allowHeaders,
        @JsonPropertyDescription("Response headers the browser lets the page read (Access-Control-Expose-Headers).")
        @Size(max = 64) List<String> exposeHeaders,
        @JsonPropertyDescription("Allow cookies and credentials (Access-Control-Allow-Credentials); not with allowOrigins '*'. Default false.")
        Boolean allowCredentials,
        @JsonPropertyDescription("How long a browser may cache a preflight answer (Access-Control-Max-Age), at most 24h.")
        @Pattern(Durations.PATTERN) String maxAge) {
}
