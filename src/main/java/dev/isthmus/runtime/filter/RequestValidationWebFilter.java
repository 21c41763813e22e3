package dev.isthmus.runtime.filter;

import java.net.URI;
import java.util.List;

import reactor.core.publisher.Mono;

import reactor.netty.http.server.HttpServerRequest;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import dev.isthmus.runtime.HostHeaders;
import dev.isthmus.server.ConnectionHeader;
import dev.isthmus.server.GatewayPortWebFilter;
import dev.isthmus.server.HostHeader;
import dev.isthmus.server.ManagementPort;

/**
 * Checks every gateway request before routing. Refuses (400) requests whose target host is missing,
 * malformed or ambiguous (RFC 9112 §3.2): a request without Host (over HTTP/2, without
 * {@code :authority}; HTTP/1.0 included, which has nothing to route by then), a Host that is not {@code host[:port]} ({@link HostHeader}), more than one
 * Host header (over HTTP/2 also an {@code :authority} and a different {@code host}, which Netty
 * turns into two), or an absolute-form request target naming another host than the Host header.
 * Each could make the gateway route by one host while the upstream acts on another, or builds links
 * to another. Then drops the headers the client's {@code Connection} header nominates
 * ({@link ConnectionHeader}), so the route's header edits have the last word.
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
        if (hosts == null || hosts.isEmpty()) {
            // HTTP/1.1 must send Host (HTTP/2 :authority, which Netty turns into Host). HTTP/1.0 may
            // leave it out, but a gateway that routes by host has nothing to route or forward then.
            return BadRequest.answer(exchange, "no Host header");
        }
        else if (!HostHeader.isValid(hosts.get(0))) {
            return BadRequest.answer(exchange, "the Host header must be host[:port] with a port 1-65535");
        }
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
        // Netty frames bodies by the last transfer coding; an upstream or front proxy may read a list
        // such as "identity, chunked" otherwise: only plain chunked is accepted (RFC 9112 §6.1: 501)
        String te = request.getHeaders().getFirst(HttpHeaders.TRANSFER_ENCODING);
        if (te != null && !te.trim().equalsIgnoreCase("chunked")) {
            return refuse(exchange, HttpStatus.NOT_IMPLEMENTED, "only the chunked transfer coding is supported");
        }
        // 100-continue is the one expectation HTTP defines (RFC 9110 §10.1.1); others get 417, not the upstream
        String expect = request.getHeaders().getFirst(HttpHeaders.EXPECT);
        if (expect != null && !expect.trim().equalsIgnoreCase("100-continue")) {
            return refuse(exchange, HttpStatus.EXPECTATION_FAILED, "unsupported expectation");
        }
        List<String> connection = request.getHeaders().get(HttpHeaders.CONNECTION);
        List<String> nominated = ConnectionHeader.nominated(connection);
        if (!nominated.isEmpty()) {
            String kept = ConnectionHeader.standardTokens(connection);
            ServerHttpRequest stripped = request.mutate().headers(h -> {
                nominated.forEach(h::remove);
                if (kept.isEmpty()) {
                    h.remove(HttpHeaders.CONNECTION);
                }
                else {
                    h.set(HttpHeaders.CONNECTION, kept);
                }
            }).build();
            return chain.filter(exchange.mutate().request(stripped).build());
        }
        return chain.filter(exchange);
    }

    /** Answers and closes: the rest of the request cannot be trusted to be framed as we think. */
    private static Mono<Void> refuse(ServerWebExchange exchange, HttpStatus status, String reason) {
        exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
        return BadRequest.answer(exchange, status, reason);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }
}
