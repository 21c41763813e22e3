package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A key of a Secret in the referencing route's namespace (never another namespace). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SecretKeyRef(
        @JsonPropertyDescription("The Secret's name.")
        @Required @Pattern(NAME_PATTERN) String name,
        @JsonPropertyDescription("The data key. Default: .htpasswd")
        @Pattern(KEY_PATTERN) String key) {

    /** A Kubernetes object name (DNS subdomain). */
    public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$";
    /** A Secret data key. */
    public static final String KEY_PATTERN = "^[-._a-zA-Z0-9]{1,253}$";
    public static final String DEFAULT_KEY = ".htpasswd";
}
