package dev.isthmus.compile;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import dev.isthmus.spec.HttpMethod;

/**
 * What a request must look like to use a route. The lookup index files routes by hosts and path;
 * methods, headers and query parameters are tested on the few candidates.
 *
 * @param hosts empty means any host
 * @param methods empty means any method
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({ "hosts", "path", "methods", "headers", "queryParams" })
public record RequestMatch(List<HostPattern> hosts, PathMatcher path, Set<HttpMethod> methods, List<ValuePredicate> headers,
        List<ValuePredicate> queryParams) {

    @JsonIgnore
    public int predicateCount() {
        return (methods.isEmpty() ? 0 : 1) + headers.size() + queryParams.size();
    }
}
