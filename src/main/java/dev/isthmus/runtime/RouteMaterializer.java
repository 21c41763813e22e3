package dev.isthmus.runtime;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;

import org.springframework.cloud.gateway.filter.ForwardPathFilter;
import org.springframework.cloud.gateway.filter.ForwardRoutingFilter;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.filter.WebsocketRoutingFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory.NameConfig;
import org.springframework.cloud.gateway.filter.factory.AbstractNameValueGatewayFilterFactory.NameValueConfig;
import org.springframework.cloud.gateway.filter.factory.AddRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.AddResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.PreserveHostHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RemoveRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RemoveResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RetryGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RetryGatewayFilterFactory.RetryConfig;
import org.springframework.cloud.gateway.filter.factory.RewritePathGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetPathGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetRequestHostHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SpringCloudCircuitBreakerFilterFactory;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.RouteMetadataUtils;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.cors.CorsConfiguration;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.RoutePolicies.CircuitBreakerPolicy;
import dev.isthmus.compile.RoutePolicies.CorsPolicy;
import dev.isthmus.compile.RoutePolicies.HeaderEdits;
import dev.isthmus.compile.RoutePolicies.MirrorPolicy;
import dev.isthmus.compile.RoutePolicies.PathRewrite;
import dev.isthmus.compile.RoutePolicies.RateLimitPolicy;
import dev.isthmus.compile.RoutePolicies.RedirectAction;
import dev.isthmus.compile.RoutePolicies.RetryPolicy;
import dev.isthmus.discovery.Instance;
import dev.isthmus.discovery.RoundRobinBalancer;
import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.runtime.ActiveRoute.RouteRuntime;
import dev.isthmus.runtime.filter.BackendSelectionFilter;
import dev.isthmus.runtime.filter.DeadlineGatewayFilterFactory;
import dev.isthmus.runtime.filter.IdleTimeoutNettyRoutingFilter;
import dev.isthmus.runtime.filter.MirrorGatewayFilterFactory;
import dev.isthmus.runtime.filter.RegexPathRewriteGatewayFilterFactory;
import dev.isthmus.runtime.filter.RequestRedirectGatewayFilterFactory;
import dev.isthmus.runtime.filter.WebsocketGuardGatewayFilterFactory;
import dev.isthmus.runtime.ratelimit.RateLimitKeyResolver;
import dev.isthmus.spec.RateLimitScope;
import dev.isthmus.spec.RetryOn;

/**
 * Builds the runtime form of compiled routes: a Spring Cloud Gateway {@link Route} whose filters
 * come from Spring Cloud Gateway's own filter factories wherever one does the job, sorted once
 * together with the global filters. A route whose behaviour did not change keeps its runtime
 * (filters, balancers, circuit breaker) across table swaps.
 */
public final class RouteMaterializer {

    private final List<GatewayFilter> globalFilters;
    private final List<GatewayFilter> websocketFilters;
    private final Factories f;
    private final ServiceResolver resolver;

    /** The filter factories routes are built from. */
    public record Factories(
            AddRequestHeaderGatewayFilterFactory addRequestHeader,
            SetRequestHeaderGatewayFilterFactory setRequestHeader,
            RemoveRequestHeaderGatewayFilterFactory removeRequestHeader,
            AddResponseHeaderGatewayFilterFactory addResponseHeader,
            SetResponseHeaderGatewayFilterFactory setResponseHeader,
            RemoveResponseHeaderGatewayFilterFactory removeResponseHeader,
            PreserveHostHeaderGatewayFilterFactory preserveHostHeader,
            SetRequestHostHeaderGatewayFilterFactory setRequestHostHeader,
            RewritePathGatewayFilterFactory rewritePath,
            SetPathGatewayFilterFactory setPath,
            RetryGatewayFilterFactory retry,
            SpringCloudCircuitBreakerFilterFactory circuitBreaker,
            CircuitBreakerRegistry circuitBreakerRegistry,
            TimeLimiterRegistry timeLimiterRegistry,
            RequestRateLimiterGatewayFilterFactory requestRateLimiter,
            RateLimiterProvider rateLimiters,
            RequestRedirectGatewayFilterFactory redirect,
            RegexPathRewriteGatewayFilterFactory regexRewrite,
            DeadlineGatewayFilterFactory deadline,
            WebsocketGuardGatewayFilterFactory websocketGuard,
            MirrorGatewayFilterFactory mirror) {
    }

    /** Rate limiters per route and scope: local token buckets, or a limiter shared through Redis. */
    public interface RateLimiterProvider {
        RateLimiter<?> limiter(String routeId, RateLimitPolicy policy);
    }

    /**
     * @param globalFilters Spring Cloud Gateway's global filter beans (and Isthmus' own). Those that
     *     can never act on an Isthmus route are left out of its chain, since every filter in a chain
     *     costs a deferred Mono, a chain link and a call on every request:
     *     <ul>
     *     <li>{@link ForwardPathFilter}, {@link ForwardRoutingFilter}: only for {@code forward:}
     *     route URIs, and Isthmus' are all {@code isthmus://upstream};</li>
     *     <li>{@link RouteToRequestUrlFilter}: merges the route URI into the request URL with a
     *     UriComponentsBuilder, which {@link BackendSelectionFilter} then replaces; it builds the
     *     upstream URL from the request itself;</li>
     *     <li>{@link WebsocketRoutingFilter}: kept only on routes with {@code websocket: true};
     *     elsewhere the websocket guard refuses upgrades before it would see them.</li>
     *     </ul>
     */
    public RouteMaterializer(List<GlobalFilter> globalFilters, Factories factories, ServiceResolver resolver) {
        List<GatewayFilter> always = new ArrayList<>();
        List<GatewayFilter> websocket = new ArrayList<>();
        for (GlobalFilter g : globalFilters) {
            if (g instanceof ForwardPathFilter || g instanceof ForwardRoutingFilter || g instanceof RouteToRequestUrlFilter) {
                continue;
            }
            (g instanceof WebsocketRoutingFilter ? websocket : always).add(adapt(g));
        }
        this.globalFilters = List.copyOf(always);
        this.websocketFilters = List.copyOf(websocket);
        this.f = factories;
        this.resolver = resolver;
    }

    /** A global filter as Spring Cloud Gateway's FilteringWebHandler adapts it, keeping its order. */
    private static GatewayFilter adapt(GlobalFilter filter) {
        GatewayFilter adapted = filter::filter;
        if (filter instanceof Ordered o) {
            return new OrderedGatewayFilter(adapted, o.getOrder());
        }
        Order order = AnnotationUtils.findAnnotation(filter.getClass(), Order.class);
        return order != null ? new OrderedGatewayFilter(adapted, order.value()) : adapted;
    }

    /** Builds the routes of a new table, reusing the runtime of every route whose behaviour is unchanged. */
    List<ActiveRoute> materialize(List<CompiledRoute> routes, RouteTable previous) {
        List<ActiveRoute> out = new ArrayList<>(routes.size());
        for (CompiledRoute compiled : routes) {
            ActiveRoute old = previous.route(compiled.id());
            RouteRuntime runtime = old != null && sameBehaviour(old.compiled(), compiled) ? old.runtime() : build(compiled);
            out.add(new ActiveRoute(compiled, runtime));
        }
        return out;
    }

    /** Everything but provenance: a new generation of an unchanged route keeps its filters. */
    static boolean sameBehaviour(CompiledRoute a, CompiledRoute b) {
        return a.id().equals(b.id()) && Objects.equals(a.spec(), b.spec()) && a.hosts().equals(b.hosts())
                && a.path().equals(b.path()) && a.backends().equals(b.backends()) && Objects.equals(a.mirror(), b.mirror());
    }

    RouteRuntime build(CompiledRoute r) {
        List<GatewayFilter> routeFilters = new ArrayList<>();
        if (!r.websocket()) {
            routeFilters.add(f.websocketGuard().apply(new Object()));
        }
        if (r.rateLimit() != null) {
            routeFilters.add(rateLimit(r));
        }
        if (r.redirect() != null) {
            routeFilters.add(redirect(r.redirect()));
        }
        else {
            addHeaderEdits(routeFilters, r.requestHeaders(), true);
            switch (r.hostHeader().mode()) {
                case PRESERVE -> routeFilters.add(f.preserveHostHeader().apply());
                case REWRITE -> {
                    var c = new SetRequestHostHeaderGatewayFilterFactory.Config();
                    c.setHost(r.hostHeader().value());
                    routeFilters.add(f.setRequestHostHeader().apply(c));
                }
                case AUTO -> {
                    // BackendSelectionFilter leaves the Host header to the chosen instance
                }
            }
            if (r.rewrite() != null) {
                routeFilters.add(rewrite(r.rewrite()));
            }
            addHeaderEdits(routeFilters, r.responseHeaders(), false);
            if (r.mirror() != null) {
                routeFilters.add(f.mirror().apply(new MirrorGatewayFilterFactory.Config().setPercent(r.mirror().percent())
                        .setTarget(mirrorTarget(r.mirror()))));
            }
            if (r.retries() != null && r.timeouts().response() != null) {
                routeFilters.add(f.deadline().apply(new DeadlineGatewayFilterFactory.Config().setTimeout(r.timeouts().response())));
            }
            if (r.retries() != null && r.retries().attempts() > 0) {
                routeFilters.add(retry(r.id(), r.retries()));
            }
            if (r.circuitBreaker() != null) {
                routeFilters.add(circuitBreaker(r.id(), r.circuitBreaker(), r));
            }
        }

        Route.AsyncBuilder route = Route.async().id(r.id()).uri(URI.create(BackendSelectionFilter.SCHEME + "://upstream"))
                .predicate(exchange -> true).metadata(metadata(r));
        for (int i = 0; i < routeFilters.size(); i++) {
            // Route filters run in the order listed, all before the global routing filters.
            route.filter(new OrderedGatewayFilter(routeFilters.get(i), i + 1));
        }
        Route scgRoute = route.build();
        List<GatewayFilter> combined = new ArrayList<>(globalFilters);
        if (r.websocket()) {
            combined.addAll(websocketFilters);
        }
        combined.addAll(scgRoute.getFilters());
        AnnotationAwareOrderComparator.sort(combined);
        BackendPool pool = r.redirect() != null ? null : new BackendPool(r.backends(), r.loadBalancing());
        return new RouteRuntime(scgRoute, RouteHandler.of(combined, cors(r.cors())), pool);
    }

    private static Map<String, Object> metadata(CompiledRoute r) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("source", r.provenance().object().toString());
        Duration connect = r.timeouts().connect();
        if (connect != null) {
            m.put(RouteMetadataUtils.CONNECT_TIMEOUT_ATTR, (int) Math.min(Integer.MAX_VALUE, connect.toMillis()));
        }
        // Spring Cloud Gateway's response timeout is per upstream call: with retries, the per-try timeout.
        Duration perCall = r.retries() != null && r.retries().attempts() > 0 ? r.retries().perTryTimeout() : r.timeouts().response();
        if (perCall != null) {
            m.put(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, perCall.toMillis());
        }
        if (r.timeouts().idle() != null) {
            m.put(IdleTimeoutNettyRoutingFilter.IDLE_TIMEOUT_ATTR, r.timeouts().idle().toMillis());
        }
        return m;
    }

    private void addHeaderEdits(List<GatewayFilter> filters, HeaderEdits edits, boolean request) {
        for (String name : edits.remove()) {
            NameConfig c = new NameConfig();
            c.setName(name);
            filters.add(request ? f.removeRequestHeader().apply(c) : f.removeResponseHeader().apply(c));
        }
        edits.set().forEach((name, value) -> {
            NameValueConfig c = new NameValueConfig().setName(name).setValue(value);
            filters.add(redacted(request ? f.setRequestHeader().apply(c) : f.setResponseHeader().apply(c),
                    (request ? "SetRequestHeader " : "SetResponseHeader ") + name));
        });
        edits.add().forEach((name, value) -> {
            NameValueConfig c = new NameValueConfig().setName(name).setValue(value);
            filters.add(redacted(request ? f.addRequestHeader().apply(c) : f.addResponseHeader().apply(c),
                    (request ? "AddRequestHeader " : "AddResponseHeader ") + name));
        });
    }

    /**
     * Spring Cloud Gateway's header filters print their value in {@code toString}, which its
     * {@code /actuator/gateway/routes} shows: the same filter, printed without it.
     */
    private static GatewayFilter redacted(GatewayFilter filter, String description) {
        String text = "[" + description + " = " + HeaderEdits.REDACTED + "]";
        return new GatewayFilter() {
            @Override
            public reactor.core.publisher.Mono<Void> filter(org.springframework.web.server.ServerWebExchange exchange,
                    org.springframework.cloud.gateway.filter.GatewayFilterChain chain) {
                return filter.filter(exchange, chain);
            }

            @Override
            public String toString() {
                return text;
            }
        };
    }

    private GatewayFilter redirect(RedirectAction a) {
        return f.redirect().apply(new RequestRedirectGatewayFilterFactory.Config().setScheme(a.scheme()).setHost(a.host())
                .setPort(a.port()).setPath(a.path()).setReplacePrefix(a.replacePrefix()).setMatchedPrefix(a.matchedPrefix())
                .setCode(a.code()));
    }

    private GatewayFilter rewrite(PathRewrite rewrite) {
        if (rewrite instanceof PathRewrite.ReplacePrefix p) {
            // /quote, /quote/ and /quote/a -> replacement, replacement/ and replacement/a
            String base = p.replacement().endsWith("/") ? p.replacement().substring(0, p.replacement().length() - 1) : p.replacement();
            String regexp = p.matchedPrefix().equals("/") ? "^/(?<rest>.*)$"
                    : "^" + java.util.regex.Pattern.quote(p.matchedPrefix()) + "(?:/(?<rest>.*))?$";
            var c = new RewritePathGatewayFilterFactory.Config().setRegexp(regexp).setReplacement(base + "/${rest}");
            return f.rewritePath().apply(c);
        }
        if (rewrite instanceof PathRewrite.ReplacePath p) {
            var c = new SetPathGatewayFilterFactory.Config();
            c.setTemplate(p.path());
            return f.setPath().apply(c);
        }
        PathRewrite.ReplaceRegex rx = (PathRewrite.ReplaceRegex) rewrite;
        return f.regexRewrite().apply(new RegexPathRewriteGatewayFilterFactory.Config().setPattern(rx.pattern().source())
                .setReplacement(rx.replacement()));
    }

    private GatewayFilter retry(String routeId, RetryPolicy p) {
        RetryConfig c = new RetryConfig();
        c.setRouteId(routeId);
        c.setRetries(p.attempts());
        c.setMethods(p.methods().stream().map(m -> HttpMethod.valueOf(m.name())).toArray(HttpMethod[]::new));
        Set<RetryOn> on = p.on();
        List<HttpStatus> statuses = new ArrayList<>();
        List<HttpStatus.Series> series = new ArrayList<>();
        List<Class<? extends Throwable>> exceptions = new ArrayList<>();
        if (on.contains(RetryOn.CONNECT_FAILURE) || on.contains(RetryOn.GATEWAY_ERROR) || on.contains(RetryOn.SERVER_ERROR)) {
            exceptions.add(ConnectException.class); // includes Netty's connect timeouts
        }
        if (on.contains(RetryOn.RESET) || on.contains(RetryOn.SERVER_ERROR)) {
            exceptions.add(IOException.class); // premature close, connection reset
        }
        if (on.contains(RetryOn.TIMEOUT) || on.contains(RetryOn.GATEWAY_ERROR) || on.contains(RetryOn.SERVER_ERROR)) {
            exceptions.add(TimeoutException.class);
        }
        if (on.contains(RetryOn.GATEWAY_ERROR)) {
            statuses.addAll(List.of(HttpStatus.BAD_GATEWAY, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.GATEWAY_TIMEOUT));
        }
        if (on.contains(RetryOn.SERVER_ERROR)) {
            series.add(HttpStatus.Series.SERVER_ERROR);
        }
        c.setStatuses(statuses.toArray(HttpStatus[]::new));
        c.setSeries(series.toArray(HttpStatus.Series[]::new));
        c.setExceptions(exceptions.toArray(Class[]::new));
        Duration backoff = p.backoff();
        c.setBackoff(backoff, backoff.multipliedBy(8), 2, true);
        return f.retry().apply(c);
    }

    private GatewayFilter circuitBreaker(String routeId, CircuitBreakerPolicy p, CompiledRoute r) {
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .failureRateThreshold(p.failureRateThreshold())
                .slowCallRateThreshold(p.slowCallRateThreshold())
                .slowCallDurationThreshold(p.slowCallDurationThreshold())
                .minimumNumberOfCalls(p.minimumCalls())
                .slidingWindowSize(Math.max(100, p.minimumCalls()))
                .waitDurationInOpenState(p.openDuration())
                .permittedNumberOfCallsInHalfOpenState(p.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build();
        // A changed policy must not inherit the old breaker: replace its configuration and instance.
        f.circuitBreakerRegistry().addConfiguration(routeId, config);
        f.circuitBreakerRegistry().remove(routeId);
        // Resilience4j's default time limiter (1 s) would cut every slower call: timeouts are the route's own.
        Duration limit = r.timeouts().response() != null ? r.timeouts().response().plusSeconds(1) : Duration.ofDays(1);
        f.timeLimiterRegistry().addConfiguration(routeId, TimeLimiterConfig.custom().timeoutDuration(limit).build());
        f.timeLimiterRegistry().remove(routeId);
        var c = new SpringCloudCircuitBreakerFilterFactory.Config().setName(routeId);
        c.setRouteId(routeId);
        c.setStatusCodes(Set.of("500", "502", "503", "504"));
        return f.circuitBreaker().apply(c);
    }

    private GatewayFilter rateLimit(CompiledRoute r) {
        RateLimitPolicy p = r.rateLimit();
        KeyResolver key = p.byClientIp() ? RateLimitKeyResolver.clientIp() : RateLimitKeyResolver.header(p.header());
        @SuppressWarnings("unchecked")
        RateLimiter<Object> limiter = (RateLimiter<Object>) f.rateLimiters().limiter(r.id(), p);
        var c = new RequestRateLimiterGatewayFilterFactory.Config().setKeyResolver(key).setRateLimiter(limiter)
                .setStatusCode(HttpStatus.TOO_MANY_REQUESTS).setDenyEmptyKey(false);
        c.setRouteId(r.id());
        return f.requestRateLimiter().apply(c);
    }

    private Supplier<URI> mirrorTarget(MirrorPolicy m) {
        if (m.target() instanceof BackendTarget.Url url) {
            return () -> url.uri();
        }
        BackendTarget.Service service = (BackendTarget.Service) m.target();
        RoundRobinBalancer balancer = new RoundRobinBalancer();
        return () -> {
            List<Instance> instances = resolver.resolve(service);
            if (instances.isEmpty()) {
                return null;
            }
            Instance i = balancer.choose(instances, null);
            return URI.create((i.secure() ? "https://" : "http://") + i.authority());
        };
    }

    private static CorsConfiguration cors(CorsPolicy p) {
        if (p == null) {
            return null;
        }
        CorsOrigins c = new CorsOrigins();
        for (String origin : p.allowOrigins()) {
            if (origin.contains("*") && !origin.equals("*")) {
                c.addWildcardOrigin(origin);
            }
            else {
                c.addAllowedOrigin(origin);
            }
        }
        c.setAllowedMethods(p.allowMethods().isEmpty() ? List.of("GET", "HEAD", "POST") : p.allowMethods());
        c.setAllowedHeaders(p.allowHeaders().isEmpty() ? null : p.allowHeaders());
        c.setExposedHeaders(p.exposeHeaders().isEmpty() ? null : p.exposeHeaders());
        c.setAllowCredentials(p.allowCredentials());
        if (p.maxAge() != null) {
            c.setMaxAge(p.maxAge());
        }
        return c;
    }
}
