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
     * match in the Kubernetes Gateway API's order (exact path, then the longer prefix, then regex;
     * then a method match; then more header matches; then more query parameter matches); then the
     * older route; then its source object's {@code namespace/name} in alphabetical order; then the
     * id, so the order is total and deterministic. For HTTPRoutes this is exactly the Gateway API's
     * precedence (their ids end in the zero-padded rule and match index).
     */
    public static final Comparator<CompiledRoute> PRIORITY = Comparator
            .comparingInt(CompiledRoute::precedence).reversed()
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.path().kindRank()).reversed())
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.path().length()).reversed())
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.methods().isEmpty() ? 0 : 1).reversed())
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.headers().size()).reversed())
            .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.queryParams().size()).reversed())
            .thenComparing(r -> r.provenance().created())
            .thenComparing(CompiledRoute::owner)
            .thenComparing(CompiledRoute::id);

    /** The source object as {@code namespace/name} (Gateway API's tie-break), or its name when it has no namespace. */
    private static String owner(CompiledRoute r) {
        var o = r.provenance().object();
        return o.namespace() == null ? o.name() : o.namespace() + "/" + o.name();
    }

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
