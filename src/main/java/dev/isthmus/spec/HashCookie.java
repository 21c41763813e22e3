package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A cookie to hash on; the gateway sets it when the client has none. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HashCookie(
        @JsonPropertyDescription("Cookie name.")
        @Required @Pattern("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$") String name,
        @JsonPropertyDescription("Lifetime of the cookie the gateway sets; a session cookie when absent.")
        @Pattern(Durations.PATTERN) String ttl,
        @JsonPropertyDescription("Path attribute of the cookie the gateway sets. Default /.")
        @Pattern("^/") String path) {
}
