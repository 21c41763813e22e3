package dev.isthmus.admin;

import java.net.InetSocketAddress;
import java.net.URI;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import dev.isthmus.runtime.RouteAttributes;
import dev.isthmus.runtime.trace.ServerSpan;
import dev.isthmus.server.GatewayPortWebFilter;
import dev.isthmus.server.ManagementPort;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

/**
 * One log event per request on the gateway port ({@code isthmus.access-log.enabled}), on the
 * logger {@code isthmus.access}: method, path, status, duration, route, upstream, client, and with
 * tracing on the trace id (also of unsampled requests: the upstream receives it too). Fields
 * are SLF4J key-value pairs, so with Spring Boot's structured logging
 * ({@code logging.structured.format.console=ecs}) each becomes a JSON field. No query strings,
 * headers or bodies: they may carry credentials.
 */
public final class AccessLogWebFilter extends GatewayPortWebFilter {

    private static final Logger log = LoggerFactory.getLogger("isthmus.access");


    public AccessLogWebFilter(ManagementPort managementPort) {
        super(managementPort);
    }

    @Override
    protected Mono<Void> filterGatewayPort(ServerWebExchange exchange, WebFilterChain chain) {
        long start = System.nanoTime();
        return chain.filter(exchange).doFinally(signal -> write(exchange, start));
    }

    private static void write(ServerWebExchange exchange, long start) {
        HttpStatusCode status = exchange.getResponse().getStatusCode();
        Object route = exchange.getAttribute(RouteAttributes.ACTIVE_ROUTE);
        URI upstream = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        String path = exchange.getAttributeOrDefault(RouteAttributes.NORMALIZED_PATH, exchange.getRequest().getURI().getRawPath());
        long micros = (System.nanoTime() - start) / 1000;
        ServerSpan span = exchange.getAttribute(RouteAttributes.SERVER_SPAN);
        String method = exchange.getRequest().getMethod().name();
        int code = status == null ? 0 : status.value();
        LoggingEventBuilder event = log.atInfo()
                .addKeyValue("method", method)
                .addKeyValue("path", path)
                .addKeyValue("status", code)
                .addKeyValue("durationMs", micros / 1000.0)
                .addKeyValue("route", route == null ? "-" : route.toString())
                .addKeyValue("upstream", upstream == null || upstream.getHost() == null ? "-" : upstream.getHost() + ":" + upstream.getPort())
                .addKeyValue("client", remote == null || remote.getAddress() == null ? "-" : remote.getAddress().getHostAddress());
        if (span == null) {
            event.log("{} {} {} {}ms", method, path, code, micros / 1000);
        }
        else {
            // in the message too: a plain-text log pattern shows no key-value pairs
            String traceId = span.traceId();
            event.addKeyValue("traceId", traceId).log("{} {} {} {}ms trace={}", method, path, code, micros / 1000, traceId);
        }
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE; // first, so refused requests are logged too
    }
}
