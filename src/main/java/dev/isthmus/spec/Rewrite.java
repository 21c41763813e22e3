package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Exactly one of prefix, regex or path. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.prefix) ? 1 : 0) + (has(self.regex) ? 1 : 0) + (has(self.path) ? 1 : 0) == 1",
        message = "exactly one of prefix, regex or path is required")
public record Rewrite(
        @JsonPropertyDescription("Replaces the matched path prefix (prefix matches only).")
        @Pattern("^/") @Size(max = PathMatch.MAX_LENGTH) String prefix,
        @JsonPropertyDescription("Rewrites the path with a regular expression and a replacement.")
        RegexRewrite regex,
        @JsonPropertyDescription("Replaces the whole path.")
        @Pattern("^/") @Size(max = PathMatch.MAX_LENGTH) String path) {
}
