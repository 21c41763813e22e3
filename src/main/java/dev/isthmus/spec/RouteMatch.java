package dev.isthmus.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Request predicates; all given must match. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteMatch(
        @JsonPropertyDescription("The path to match: exactly one of prefix, exact or regex.")
        @Required PathMatch path,
        @JsonPropertyDescription("Methods this route accepts. Empty means any method.")
        @Size(max = 9) List<HttpMethod> methods,
        @JsonPropertyDescription("Request headers that must all match.")
        @Size(max = 32) List<ValueMatch> headers,
        @JsonPropertyDescription("Query parameters that must all match.")
        @Size(max = 32) List<ValueMatch> queryParams) {
}
