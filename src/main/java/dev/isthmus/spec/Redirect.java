package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A redirect; each part left out keeps the request's own. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.code) || self.code in [301, 302, 303, 307, 308]",
        message = "code must be one of 301, 302, 303, 307, 308")
public record Redirect(
        @JsonPropertyDescription("http or https.")
        @Pattern("^(http|https)$") String scheme,
        @JsonPropertyDescription("Host name of the redirect target.")
        @Size(max = 253) String host,
        @JsonPropertyDescription("Port of the redirect target; the scheme's default port is left out of the Location.")
        @Min(1) @Max(65535) Integer port,
        @JsonPropertyDescription("Replaces the whole path.")
        @Pattern("^/") @Size(max = 2048) String path,
        @JsonPropertyDescription("Replaces the matched prefix, keeping the rest of the path (prefix matches only).")
        @Pattern("^/") @Size(max = 2048) String prefix,
        @JsonPropertyDescription("301, 302 (default), 303, 307 or 308.")
        Integer code) {

    public static final int DEFAULT_CODE = 302;
}
