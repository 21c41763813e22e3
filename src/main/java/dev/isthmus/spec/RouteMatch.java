package dev.isthmus.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Request predicates; all given must match. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteMatch(
        @Required PathMatch path,
        @Size(max = 9) List<HttpMethod> methods,
        @Size(max = 32) List<ValueMatch> headers,
        @Size(max = 32) List<ValueMatch> queryParams) {
}
