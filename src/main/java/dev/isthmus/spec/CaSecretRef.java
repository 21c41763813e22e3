package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A CA bundle in a Secret of the referencing route's namespace (never another namespace). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CaSecretRef(
        @JsonPropertyDescription("The Secret's name, in the route's namespace.")
        @Required @Pattern(SecretKeyRef.NAME_PATTERN) String name,
        @JsonPropertyDescription("The data key holding PEM certificates. Default: ca.crt")
        @Pattern(SecretKeyRef.KEY_PATTERN) String key) {

    public static final String DEFAULT_KEY = "ca.crt";
}
