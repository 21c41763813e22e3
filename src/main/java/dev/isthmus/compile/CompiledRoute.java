package dev.isthmus.compile;

import java.util.Comparator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import dev.isthmus.compile.RoutePolicies.CircuitBreakerPolicy;
import dev.isthmus.compile.RoutePolicies.CorsPolicy;
import dev.isthmus.compile.RoutePolicies.HeaderEdits;
import dev.isthmus.compile.RoutePolicies.HostHeader;
import dev.isthmus.compile.RoutePolicies.LoadBalancing;
import dev.isthmus.compile.RoutePolicies.MirrorPolicy;
import dev.isthmus.compile.RoutePolicies.PathRewrite;
import dev.isthmus.compile.RoutePolicies.RateLimitPolicy;
import dev.isthmus.compile.RoutePolicies.RedirectAction;
import dev.isthmus.compile.RoutePolicies.RetryPolicy;
import dev.isthmus.compile.RoutePolicies.Timeouts;
import dev.isthmus.compile.RoutePolicies.WeightedBackend;
import dev.isthmus.model.Provenance;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.HttpMethod;

/**
 * A validated route: the intermediate representation between the authored spec and the request
 * path. Immutable, free of Spring Cloud Gateway types, so compilation stays a pure, testable function.
 *
 * @param hosts empty means any host
 * @param methods empty means any method
 * @param backends empty exactly when {@code redirect} is set
 * @param forwardedHeaders whether X-Forwarded-* and Forwarded are sent upstream
 * @param spec the authored spec, kept so unchanged routes can reuse their runtime filter chain
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({ "id", "name", "provenance", "precedence", "hosts", "path", "methods", "headers", "queryParams" })
public record CompiledRoute(
        String id,
        String name,
        Provenance provenance,
        int precedence,
        List<HostPattern> hosts,
        PathMatcher path,
        Set<HttpMethod> methods,
        List<ValuePredicate> headers,
        List<ValuePredicate> queryParams,
        List<WeightedBackend> backends,
        RedirectAction redirect,
        PathRewrite rewrite,
        HostHeader hostHeader,
        HeaderEdits requestHeaders,
        HeaderEdits responseHeaders,
        Timeouts timeouts,
        RetryPolicy retries,
        CircuitBreakerPolicy circuitBreaker,
        LoadBalancing loadBalancing,
        RateLimitPolicy rateLimit,
        CorsPolicy cors,
        MirrorPolicy mirror,
        boolean websocket,
        boolean forwardedHeaders,
        @JsonIgnore GatewayRouteSpec spec) {

    /**
     * Which of two routes wins a request both match: higher precedence; then the more specific
     * path (exact, then longer prefix, then regex); then more predicates; then the older route;
     * then the id, so the order is total and deterministic.
     */
    public static final Comparator<CompiledRoute> PRIORITY = Comparator
            .comparingInt(CompiledRoute::precedence).reversed()
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.path().kindRank()).reversed())
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.path().length()).reversed())
            .thenComparing(Comparator.comparingInt(CompiledRoute::predicateCount).reversed())
            .thenComparing(r -> r.provenance().created())
            .thenComparing(CompiledRoute::id);

    @JsonIgnore
    public int predicateCount() {
        return (methods.isEmpty() ? 0 : 1) + headers.size() + queryParams.size();
    }

    @JsonIgnore
    public boolean isRedirect() {
        return redirect != null;
    }

    /** This route as the admin endpoints show it: header edit values redacted. */
    public CompiledRoute redacted() {
        HeaderEdits req = requestHeaders.redacted();
        HeaderEdits resp = responseHeaders.redacted();
        if (req == requestHeaders && resp == responseHeaders) {
            return this;
        }
        return new CompiledRoute(id, name, provenance, precedence, hosts, path, methods, headers, queryParams, backends, redirect,
                rewrite, hostHeader, req, resp, timeouts, retries, circuitBreaker, loadBalancing, rateLimit, cors, mirror, websocket,
                forwardedHeaders, spec);
    }
}
