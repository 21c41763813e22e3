package dev.isthmus.compile;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * What a route does with a request it matched: forward it to backends, or answer with a redirect.
 * Sealed, and the forward-only policies (rewrite, retries, circuit breaker, balancing, mirror...)
 * live in {@link Forward}, so a redirect that retries cannot even be written down.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({ @JsonSubTypes.Type(value = RouteAction.Forward.class, name = "forward"),
        @JsonSubTypes.Type(value = RouteAction.Redirect.class, name = "redirect") })
public sealed interface RouteAction {

    /**
     * Proxy to one of the backends.
     *
     * @param backends at least one, with a positive total weight
     * @param policies the forward-only policies, in the order they apply
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record Forward(List<WeightedBackend> backends, Policies policies) implements RouteAction {
    }

    /**
     * Answer with a redirect; null parts keep the request's own.
     *
     * @param replacePrefix replaces {@code matchedPrefix} (the route's normalized path prefix), keeping the rest
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Redirect(String scheme, String host, Integer port, String path, String replacePrefix, String matchedPrefix, int code)
            implements RouteAction {
    }
}
