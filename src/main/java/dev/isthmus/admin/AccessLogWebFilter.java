package dev.isthmus.admin;

import java.net.InetSocketAddress;
import java.net.URI;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import dev.isthmus.runtime.RouteAttributes;
import dev.isthmus.server.GatewayPortWebFilter;
import dev.isthmus.server.ManagementPort;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

/**
 * One log event per request on the gateway port ({@code isthmus.access-log.enabled}), on the
 * logger {@code isthmus.access}: method, path, status, duration, route, upstream, client. Fields
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
        log.atInfo()
                .addKeyValue("method", exchange.getRequest().getMethod().name())
                .addKeyValue("path", path)
                .addKeyValue("status", status == null ? 0 : status.value())
                .addKeyValue("durationMs", micros / 1000.0)
                .addKeyValue("route", route == null ? "-" : route.toString())
                .addKeyValue("upstream", upstream == null || upstream.getHost() == null ? "-" : upstream.getHost() + ":" + upstream.getPort())
                .addKeyValue("client", remote == null || remote.getAddress() == null ? "-" : remote.getAddress().getHostAddress())
                .log("{} {} {} {}ms", exchange.getRequest().getMethod().name(), path, status == null ? 0 : status.value(), micros / 1000);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE; // first, so refused requests are logged too
    }
}
