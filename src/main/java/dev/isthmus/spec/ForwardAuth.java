package dev.isthmus.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * External authorization: a GET to {@code url} with the listed request headers and
 * X-Forwarded-Method/-Proto/-Host/-Uri/-For. A 2xx answer admits the request; any other answer
 * below 500 is returned to the client as the service gave it; no answer in time, or a 5xx, is a
 * failure, decided by failureMode.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ForwardAuth(
        @JsonPropertyDescription("The authorization service: http:// or https://, without user info.")
        @Required @Size(max = 2048) String url,
        @JsonPropertyDescription("Request headers sent to the service. Default: Authorization, Cookie.")
        @Size(max = MAX_HEADERS) List<String> requestHeaders,
        @JsonPropertyDescription("Headers of a 2xx answer copied onto the request to the backend (client-sent copies are always removed).")
        @Size(max = MAX_HEADERS) List<String> responseHeadersToUpstream,
        @JsonPropertyDescription("Headers of a denial passed to the client. Default: WWW-Authenticate, Location, Set-Cookie, Content-Type, Cache-Control.")
        @Size(max = MAX_HEADERS) List<String> responseHeadersToClient,
        @JsonPropertyDescription("Longest wait for the service's answer, connecting included. Default 1s, at most 30s.")
        @Pattern(Durations.PATTERN) String timeout,
        @JsonPropertyDescription("When the service fails (no answer in time, refused, 5xx): deny (default) answers statusOnError, allow lets the request through.")
        FailureMode failureMode,
        @JsonPropertyDescription("Status of a request denied because the service failed. Default 503.")
        @Min(400) @Max(599) Integer statusOnError,
        @JsonPropertyDescription("Cache the service's answers per credential (the values of requestHeaders) for this long; off by default. "
                + "Only for services whose decision depends on the credential alone, not on the path or method.")
        @Pattern(Durations.PATTERN) String cacheTtl) {

    public static final int MAX_HEADERS = 32;
    public static final String DEFAULT_TIMEOUT = "1s";
    public static final String MAX_TIMEOUT = "30s";
    public static final String MAX_CACHE_TTL = "1h";
    public static final int DEFAULT_STATUS_ON_ERROR = 503;
    public static final List<String> DEFAULT_REQUEST_HEADERS = List.of("Authorization", "Cookie");
    public static final List<String> DEFAULT_HEADERS_TO_CLIENT = List.of("WWW-Authenticate", "Location", "Set-Cookie", "Content-Type",
            "Cache-Control");

    /** What a failed authorization service means for the request. */
    public enum FailureMode {
        @com.fasterxml.jackson.annotation.JsonProperty("deny") DENY,
        @com.fasterxml.jackson.annotation.JsonProperty("allow") ALLOW
    }
}
