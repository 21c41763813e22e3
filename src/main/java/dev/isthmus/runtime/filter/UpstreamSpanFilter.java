package dev.isthmus.runtime.filter;

import java.net.URI;

import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClientResponse;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.runtime.RouteAttributes;
import dev.isthmus.runtime.trace.ServerSpan;
import dev.isthmus.runtime.trace.UpstreamSpan;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

/**
 * One client span per attempt to reach an upstream (Spring Cloud Gateway path of
 * {@code RequestTracing}). Runs right after {@link BackendSelectionFilter}, which picks the
 * instance anew on every attempt: a retry re-runs the chain from the retry filter, so each retry
 * is a span of its own ({@code isthmus.attempt} 1, 2, ...). The span ends when the routing filter
 * is done: response headers received, or the failure (connect error, idle timeout, reset) that a
 * retry may act on. {@link TraceContextHeadersFilter} writes its context into the upstream
 * request. Only registered when tracing is on.
 */
public final class UpstreamSpanFilter implements GlobalFilter, Ordered {

    public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER + 1;

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        ServerSpan server = exchange.getAttribute(RouteAttributes.SERVER_SPAN);
        URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
        String upstream = exchange.getAttribute(RouteAttributes.UPSTREAM);
        if (server == null || url == null || upstream == null) {
            return chain.filter(exchange);
        }
        exchange.getAttributes().remove(CLIENT_RESPONSE_ATTR); // a retry's status is its own
        UpstreamSpan span = server.startAttempt(upstream, exchange.getRequest().getMethod().name(), url.getHost(), port(url));
        exchange.getAttributes().put(RouteAttributes.UPSTREAM_SPAN, span);
        // ended on the signal itself, before it travels on: a retry filter further out resets the
        // exchange's attributes as soon as it sees a retryable answer
        return chain.filter(exchange).doOnSuccess(v -> span.end(status(exchange), null))
                .doOnError(e -> span.end(status(exchange), e))
                .doOnCancel(() -> span.end(status(exchange), null));
    }

    private static int status(ServerWebExchange exchange) {
        HttpClientResponse response = exchange.getAttribute(CLIENT_RESPONSE_ATTR);
        return response == null ? 0 : response.status().code();
    }

    private static int port(URI url) {
        return url.getPort() >= 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
