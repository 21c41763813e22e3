package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A header or query parameter predicate: exactly one of value, regex or present. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.value) ? 1 : 0) + (has(self.regex) ? 1 : 0) + (has(self.present) ? 1 : 0) == 1",
        message = "exactly one of value, regex or present is required")
public record ValueMatch(
        @Required @Pattern("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$") @Size(max = MAX_NAME) String name,
        @Size(max = MAX_VALUE) String value,
        @Size(max = MAX_REGEX) String regex,
        Boolean present) {

    public static final int MAX_NAME = 256;
    public static final int MAX_VALUE = 4096;
    public static final int MAX_REGEX = 1024;
}
