package dev.isthmus.compile;

import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import dev.isthmus.model.Provenance;

/**
 * A validated route: the intermediate representation between the authored spec and the request
 * path, complete on its own (a runtime needs nothing else) and value-comparable. Immutable, free
 * of Spring Cloud Gateway types, so compilation stays a pure, testable function.
 *
 * @param match what requests the route takes
 * @param action forward to backends (with the forward-only policies) or redirect
 * @param policies the policies of every route, whatever its action (WebSocket, rate limit, CORS)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({ "id", "name", "provenance", "precedence", "match", "action", "policies" })
public record CompiledRoute(String id, String name, Provenance provenance, int precedence, RequestMatch match, RouteAction action,
        Policies policies) {

    /**
     * Which of two routes wins a request both match: higher precedence; then the more specific
     * match in the Kubernetes Gateway API's order (exact path, then the longer prefix, then regex;
     * then a method match; then more header matches; then more query parameter matches); then the
     * older route; then its source object's {@code namespace/name} in alphabetical order; then the
     * id, so the order is total and deterministic. For HTTPRoutes this is exactly the Gateway API's
     * precedence (their ids end in the zero-padded rule and match index).
     */
    public static final Comparator<CompiledRoute> PRIORITY = Comparator
            .comparingInt(CompiledRoute::precedence).reversed()
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.match().path().kindRank()).reversed())
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.match().path().length()).reversed())
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.match().methods().isEmpty() ? 0 : 1).reversed())
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.match().headers().size()).reversed())
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.match().queryParams().size()).reversed())
            .thenComparing(r -> r.provenance().created())
            .thenComparing(CompiledRoute::owner)
            .thenComparing(CompiledRoute::id);

    /** The source object as {@code namespace/name} (Gateway API's tie-break), or its name when it has no namespace. */
    private static String owner(CompiledRoute r) {
        var o = r.provenance().object();
        return o.namespace() == null ? o.name() : o.namespace() + "/" + o.name();
    }

    /** The forwarding action, or null for a redirect. */
    @JsonIgnore
    public RouteAction.Forward forward() {
        return action instanceof RouteAction.Forward f ? f : null;
    }

    /** The backends; empty for a redirect. */
    @JsonIgnore
    public List<WeightedBackend> backends() {
        return action instanceof RouteAction.Forward f ? f.backends() : List.of();
    }

    /** A policy of this route, route-wide or forward-only; null when it has none. */
    public <P extends RoutePolicy> P policy(Class<P> type) {
        P p = policies.get(type);
        return p != null || !(action instanceof RouteAction.Forward f) ? p : f.policies().get(type);
    }

    /** Same behaviour: everything but provenance (a new generation of an unchanged route keeps its runtime). */
    public boolean sameBehaviour(CompiledRoute other) {
        return id.equals(other.id) && precedence == other.precedence && match.equals(other.match) && action.equals(other.action)
                && policies.equals(other.policies);
    }
}
