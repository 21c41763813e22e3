package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A regular-expression path rewrite; the replacement may use $1 or ${name}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RegexRewrite(
        @Required @Size(max = MAX_LENGTH) String pattern,
        @Required @Size(max = MAX_LENGTH) String replacement) {

    public static final int MAX_LENGTH = 1024;
}
