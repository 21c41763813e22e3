package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Exactly one of prefix, exact or regex. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.prefix) ? 1 : 0) + (has(self.exact) ? 1 : 0) + (has(self.regex) ? 1 : 0) == 1",
        message = "exactly one of prefix, exact or regex is required")
public record PathMatch(
        @JsonPropertyDescription("Matches this path and everything below it, by whole segments: /quote/ matches /quote and /quote/a, not /quotes.")
        @Pattern("^/") @Size(max = MAX_LENGTH) String prefix,
        @JsonPropertyDescription("Matches this path only.")
        @Pattern("^/") @Size(max = MAX_LENGTH) String exact,
        @JsonPropertyDescription("An RE2 regular expression the whole path must match (linear time: no backreferences or lookaround).")
        @Size(max = MAX_LENGTH) String regex) {

    /** Longest path, prefix or path regex, in characters. */
    public static final int MAX_LENGTH = 1024;
}
