package dev.isthmus.runtime.filter;

import java.net.URI;
import java.util.List;

import reactor.core.publisher.Mono;

import reactor.netty.http.server.HttpServerRequest;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import dev.isthmus.runtime.HostHeaders;
import dev.isthmus.server.GatewayPortWebFilter;
import dev.isthmus.server.ManagementPort;

/**
 * Refuses requests whose target host is ambiguous, before any routing (RFC 9112 §3.2): more than
 * one Host header, or an absolute-form request target naming another host than the Host header.
 * Either could make the gateway route by one host while the upstream acts on another.
 */
public final class RequestValidationWebFilter extends GatewayPortWebFilter {


    public RequestValidationWebFilter(ManagementPort managementPort) {
        super(managementPort);
    }

    @Override
    protected Mono<Void> filterGatewayPort(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        List<String> hosts = request.getHeaders().get(HttpHeaders.HOST);
        if (hosts != null && hosts.size() > 1) {
            return BadRequest.answer(exchange, "more than one Host header");
        }
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        String target = nativeRequest instanceof HttpServerRequest netty ? netty.uri() : null;
        if (target != null && !target.startsWith("/") && !target.equals("*") && hosts != null && !hosts.isEmpty()) {
            String absoluteHost;
            try {
                absoluteHost = URI.create(target).getHost();
            }
            catch (IllegalArgumentException e) {
                return BadRequest.answer(exchange, "malformed request target");
            }
            if (absoluteHost != null && !absoluteHost.equalsIgnoreCase(HostHeaders.hostOf(hosts.get(0)))) {
                return BadRequest.answer(exchange, "request target host differs from the Host header");
            }
        }
        return chain.filter(exchange);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }
}
