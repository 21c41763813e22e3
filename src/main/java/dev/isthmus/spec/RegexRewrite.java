package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A regular-expression path rewrite; the replacement may use $1 or ${name}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RegexRewrite(
        @JsonPropertyDescription("An RE2 regular expression matched against the path.")
        @Required @Size(max = MAX_LENGTH) String pattern,
        @JsonPropertyDescription("The new path; $1 or ${name} insert groups of the pattern.")
        @Required @Size(max = MAX_LENGTH) String replacement) {

    public static final int MAX_LENGTH = 1024;
}
