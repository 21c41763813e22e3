package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A header or query parameter predicate: exactly one of value, regex or present. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.value) ? 1 : 0) + (has(self.regex) ? 1 : 0) + (has(self.present) ? 1 : 0) == 1",
        message = "exactly one of value, regex or present is required")
public record ValueMatch(
        @JsonPropertyDescription("Header or parameter name; header names compare case-insensitively.")
        @Required @Pattern("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$") @Size(max = MAX_NAME) String name,
        @JsonPropertyDescription("Matches this exact value.")
        @Size(max = MAX_VALUE) String value,
        @JsonPropertyDescription("An RE2 regular expression the whole value must match.")
        @Size(max = MAX_REGEX) String regex,
        @JsonPropertyDescription("true: matches when the header or parameter is present, whatever its value.")
        Boolean present) {

    public static final int MAX_NAME = 256;
    public static final int MAX_VALUE = 4096;
    public static final int MAX_REGEX = 1024;
}
