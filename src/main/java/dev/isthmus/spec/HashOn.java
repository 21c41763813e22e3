package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The key of consistent hashing: exactly one of header, cookie or sourceIp. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.header) ? 1 : 0) + (has(self.cookie) ? 1 : 0) + (has(self.sourceIp) && self.sourceIp ? 1 : 0) == 1",
        message = "exactly one of header, cookie or sourceIp is required")
public record HashOn(
        @JsonPropertyDescription("Hash on this request header; requests without it go to a random instance.")
        @Size(max = 256) String header,
        @JsonPropertyDescription("Hash on a cookie, set by the gateway when the client has none: sticky sessions.")
        HashCookie cookie,
        @JsonPropertyDescription("Hash on the client's IP address (true).")
        Boolean sourceIp) {
}
