package dev.isthmus.runtime.filter;

import java.util.Locale;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.server.ForwardedHeaders;

/**
 * Sends {@code X-Forwarded-*} and {@code Forwarded} upstream, as {@link ForwardedHeaders}
 * computes them from the trusted client address; a route with {@code forwardedHeaders: false}
 * gets none. Spring Cloud Gateway's own {@code XForwardedHeadersFilter} and
 * {@code ForwardedHeadersFilter} are not used: they trust proxies by a regular expression over the
 * peer's address and append to the client's header, while the chain here is the one the
 * transport already decided (the same address rate limits and logs see). Runs after Spring Cloud
 * Gateway's {@code Remove*ForwardedHeadersFilter}s (order 0) and before the hop-by-hop filter where
 * a chain of header filters runs (WebSocket handshakes); the routing filter does its work in
 * {@link UpstreamRequestHeadersFilter}.
 */
public final class UpstreamForwardedHeadersFilter implements HttpHeadersFilter, Ordered {

    public static final int ORDER = 100;

    /** Route metadata of routes with {@code forwardedHeaders: false}. */
    public static final String DISABLED_ATTR = "isthmus.forwarded-headers-disabled";

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        HttpHeaders out = new HttpHeaders();
        input.forEach((name, values) -> {
            if (!ForwardedHeaders.NAMES.contains(name.toLowerCase(Locale.ROOT))) {
                out.addAll(name, values);
            }
        });
        addForwarded(exchange, out);
        return out;
    }

    /** Sets the gateway's forwarded headers on {@code out}, unless the exchange's route has {@code forwardedHeaders: false}. */
    static void addForwarded(ServerWebExchange exchange, HttpHeaders out) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        if (route != null && route.getMetadata().containsKey(DISABLED_ATTR)) {
            return;
        }
        ServerHttpRequest request = exchange.getRequest();
        ForwardedHeaders.compute(request.getRemoteAddress(), request.getURI().getScheme(), clientHost(request), out::set);
    }

    /** The Host the client sent: a route's hostRewrite has changed the request's own by now. */
    private static String clientHost(ServerHttpRequest request) {
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        if (nativeRequest instanceof HttpServerRequest netty) {
            return netty.requestHeaders().get(HttpHeaderNames.HOST);
        }
        return request.getHeaders().getFirst(HttpHeaders.HOST);
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
