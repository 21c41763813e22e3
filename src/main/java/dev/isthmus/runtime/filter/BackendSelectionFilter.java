package dev.isthmus.runtime.filter;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.netty.channel.ConnectTimeoutException;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.discovery.ConcurrencyLimiter;
import dev.isthmus.discovery.Instance;
import dev.isthmus.discovery.OutlierDetector;
import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.runtime.ActiveRoute;
import dev.isthmus.runtime.BackendPool;
import dev.isthmus.runtime.BackendPool.Backend;
import dev.isthmus.runtime.GuardedAddressResolver;
import dev.isthmus.runtime.RouteAttributes;
import dev.isthmus.runtime.upstream.UpstreamClients;
import dev.isthmus.server.RequestOutcome;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE;

/**
 * Chooses the upstream instance, where Spring Cloud Gateway's load-balancer filter would: a
 * backend by weight, then one of its healthy instances (from in-memory registry state, without the
 * Spring Cloud LoadBalancer cache), skipping ejected instances and, on a retry, the ones already
 * tried. Feeds outcomes back to passive health checking. Spring Cloud LoadBalancer has no
 * weighted multi-backend routes, no retry-aware exclusion and no outlier ejection, hence this filter.
 */
public final class BackendSelectionFilter implements GlobalFilter, Ordered {

    /** The scheme of route URIs that this filter resolves. */
    public static final String SCHEME = "isthmus";

    private final ServiceResolver resolver;
    private final OutlierDetector outliers;
    private final ConcurrencyLimiter bulkhead;
    private final UpstreamClients clients;

    public BackendSelectionFilter(ServiceResolver resolver, OutlierDetector outliers, ConcurrencyLimiter bulkhead, UpstreamClients clients) {
        this.resolver = resolver;
        this.outliers = outliers;
        this.bulkhead = bulkhead;
        this.clients = clients;
    }

    @Override
    public int getOrder() {
        return ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER;
    }

    /**
     * Also sets the upstream URL ({@code GATEWAY_REQUEST_URL_ATTR}): the chosen instance plus the
     * request's (possibly rewritten) raw path and query. Spring Cloud Gateway's
     * RouteToRequestUrlFilter, which would merge the route URI ({@code isthmus://upstream}) with the
     * request URL through a UriComponentsBuilder only for this filter to replace it, is left out of
     * Isthmus' chains (RouteMaterializer). Computed afresh on every attempt, so retries pick again.
     */
    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        ActiveRoute route = exchange.getAttribute(RouteAttributes.ACTIVE_ROUTE);
        if (route == null || route.backends() == null) {
            return chain.filter(exchange);
        }
        URI url = exchange.getRequest().getURI();
        BackendPool pool = route.backends();
        exchange.getAttributes().remove(RouteAttributes.OUTCOME); // a retry starts afresh
        String hashKey = pool.hashKey(exchange);
        Set<String> tried = exchange.getAttribute(RouteAttributes.TRIED_INSTANCES);
        Backend backend = pool.pick(hashKey, null);
        if (backend.target() instanceof BackendTarget.Unavailable) {
            // Its share of the traffic fails, as the Gateway API prescribes; it never falls over to
            // another backend. Answered here rather than by an error: Spring Boot's error handler logs
            // every 500 at ERROR with a stack trace, so one tenant's bad backendRef would flood the
            // log per request. Its author reads why in the HTTPRoute's status (ResolvedRefs=False).
            return BadRequest.answer(exchange, HttpStatus.INTERNAL_SERVER_ERROR, "this route's backend reference cannot be used");
        }
        List<Instance> candidates = candidates(backend, tried);
        if (candidates.isEmpty() && pool.backends().size() > 1) {
            backend = pool.pick(hashKey, backend);
            candidates = candidates(backend, tried);
        }
        exchange.getAttributes().put(RouteAttributes.UPSTREAM, backend.target().display());
        if (candidates.isEmpty()) {
            exchange.getAttributes().put(RouteAttributes.OUTCOME, RequestOutcome.NO_INSTANCE);
            return Mono.error(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
                    "no healthy instance of " + backend.target().display()));
        }
        if (backend.transport() != null) {
            try {
                exchange.getAttributes().put(RouteAttributes.UPSTREAM_CLIENT, clients.client(backend.trust(), backend.transport()));
            }
            catch (UpstreamClients.TlsUnavailableException e) {
                exchange.getAttributes().put(RouteAttributes.OUTCOME, RequestOutcome.UPSTREAM_TLS);
                return Mono.error(new ResponseStatusException(HttpStatus.BAD_GATEWAY,
                        "upstream TLS settings of " + backend.target().display() + " cannot be used: " + e.getMessage()));
            }
        }
        else {
            exchange.getAttributes().remove(RouteAttributes.UPSTREAM_CLIENT);
        }
        String upstream = backend.bulkheadKey();
        if (!bulkhead.tryAcquire(upstream)) {
            exchange.getAttributes().put(RouteAttributes.OUTCOME, RequestOutcome.BULKHEAD);
            return Mono.error(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "upstream " + backend.target().display() + " has "
                    + bulkhead.maxConcurrent() + " requests in flight (isthmus.upstream.max-concurrent-requests)"));
        }
        Instance instance = backend.balancer().choose(candidates, hashKey);
        if (tried == null) {
            tried = new java.util.HashSet<>(4);
            exchange.getAttributes().put(RouteAttributes.TRIED_INSTANCES, tried);
        }
        tried.add(instance.id());
        exchange.getAttributes().put(RouteAttributes.UPSTREAM_TRUST, backend.trust());

        String scheme = instance.secure() || backend.transport() != null && backend.transport().secure() ? "https" : "http";
        String rawQuery = url.getRawQuery();
        exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR,
                URI.create(scheme + "://" + instance.authority() + url.getRawPath() + (rawQuery == null ? "" : "?" + rawQuery)));
        if (pool.autoHostHeader()) {
            exchange.getAttributes().put(PRESERVE_HOST_HEADER_ATTRIBUTE, false);
        }

        Backend chosen = backend;
        chosen.balancer().started(instance);
        return chain.filter(exchange)
                .doOnSuccess(v -> record(exchange, chosen, instance))
                .doOnError(e -> {
                    if (isConnectFailure(e) && denied(e) == null) {
                        outliers.failure(chosen.scope(), instance);
                    }
                    javax.net.ssl.SSLException tls = tlsFailure(e);
                    if (tls != null) {
                        // not counted against the instance: a certificate that does not verify is a setting to fix, not an outage
                        clients.handshakeFailed(chosen.target().display(), chosen.transport(), instance.authority(), tls);
                        exchange.getAttributes().put(RouteAttributes.OUTCOME, RequestOutcome.UPSTREAM_TLS);
                        return;
                    }
                    if (unreadable(e)) {
                        exchange.getAttributes().put(RouteAttributes.OUTCOME, RequestOutcome.UPSTREAM_PROTOCOL);
                        return;
                    }
                    exchange.getAttributes().put(RouteAttributes.OUTCOME, isConnectFailure(e) ? RequestOutcome.UPSTREAM_CONNECT
                            : e instanceof io.netty.handler.timeout.ReadTimeoutException ? RequestOutcome.UPSTREAM_TIMEOUT
                                    : e instanceof java.io.IOException ? RequestOutcome.UPSTREAM_RESET : RequestOutcome.GATEWAY_ERROR);
                })
                .onErrorMap(e -> denied(e) != null, e -> new ResponseStatusException(HttpStatus.BAD_GATEWAY, denied(e).getMessage(), e))
                .onErrorMap(e -> tlsFailure(e) != null, e -> new ResponseStatusException(HttpStatus.BAD_GATEWAY, "upstream TLS handshake with "
                        + instance.authority() + " (" + chosen.target().display() + ") failed: " + UpstreamClients.reason(tlsFailure(e)), e))
                .onErrorMap(BackendSelectionFilter::unreadable, e -> new ResponseStatusException(HttpStatus.BAD_GATEWAY, "upstream "
                        + instance.authority() + " (" + chosen.target().display() + ") answered in a way the gateway cannot read"
                        + (chosen.transport() == null ? "" : " as " + chosen.transport().protocol().name().toLowerCase(java.util.Locale.ROOT))
                        + ": is backends[].protocol right?", e))
                .onErrorMap(BackendSelectionFilter::isConnectFailure, e -> new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
                        "upstream connect error: " + instance.authority() + " (" + chosen.target().display() + ")", e))
                .onErrorMap(e -> e instanceof io.netty.handler.timeout.ReadTimeoutException, e -> new ResponseStatusException(
                        HttpStatus.GATEWAY_TIMEOUT, "upstream idle timeout: " + instance.authority() + " sent nothing for too long", e))
                .onErrorMap(e -> e instanceof java.io.IOException, e -> new ResponseStatusException(HttpStatus.BAD_GATEWAY,
                        "upstream connection closed: " + instance.authority() + " (" + chosen.target().display() + ")", e))
                .doFinally(s -> {
                    chosen.balancer().finished(instance);
                    bulkhead.release(upstream);
                });
    }

    private List<Instance> candidates(Backend backend, Set<String> tried) {
        List<Instance> instances = backend.fixed() != null ? backend.fixed() : resolver.resolve((BackendTarget.Service) backend.target());
        instances = outliers.filter(backend.scope(), instances);
        if (tried != null && !tried.isEmpty() && instances.size() > 1) {
            List<Instance> fresh = new ArrayList<>(instances.size());
            for (Instance i : instances) {
                if (!tried.contains(i.id())) {
                    fresh.add(i);
                }
            }
            if (!fresh.isEmpty()) {
                return fresh;
            }
        }
        return instances;
    }

    private void record(ServerWebExchange exchange, Backend backend, Instance instance) {
        HttpStatusCode status = exchange.getResponse().getStatusCode();
        int code = status == null ? 0 : status.value();
        if (code == 502 || code == 503 || code == 504) {
            outliers.failure(backend.scope(), instance);
        }
        else {
            outliers.success(backend.scope(), instance);
        }
    }

    /** The destination rules' refusal in an error's causes, or null: answered 502, never counted against the instance. */
    static GuardedAddressResolver.DeniedDestinationException denied(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GuardedAddressResolver.DeniedDestinationException d) {
                return d;
            }
        }
        return null;
    }

    /**
     * The upstream's answer could not be decoded (an h2c-only server asked in HTTP/1.1, an HTTP/1.1
     * server asked in h2c): a bad gateway, not the gateway's own error.
     */
    static boolean unreadable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.netty.handler.codec.DecoderException || t instanceof io.netty.handler.codec.http2.Http2Exception) {
                return tlsFailure(e) == null;
            }
        }
        return false;
    }

    /** A TLS failure (handshake, certificate) in an error's causes, or null. */
    static javax.net.ssl.SSLException tlsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException s) {
                return s;
            }
        }
        return null;
    }

    static boolean isConnectFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof ConnectTimeoutException) {
                return true;
            }
        }
        return false;
    }
}
