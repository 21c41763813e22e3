package dev.isthmus.runtime.ratelimit;

import java.net.InetSocketAddress;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.web.server.ServerWebExchange;

/** Rate-limit keys: the client's IP address, or the value of a request header. */
public final class RateLimitKeyResolver {

    private RateLimitKeyResolver() {
    }

    /** The peer address of the connection (the load balancer's, unless it preserves client IPs). */
    public static KeyResolver clientIp() {
        return exchange -> {
            InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
            return remote == null || remote.getAddress() == null ? Mono.empty() : Mono.just(remote.getAddress().getHostAddress());
        };
    }

    /** A header's value; requests without it share one bucket, so leaving it out does not bypass the limit. */
    public static KeyResolver header(String name) {
        return (ServerWebExchange exchange) -> {
            String value = exchange.getRequest().getHeaders().getFirst(name);
            return Mono.just(value == null || value.isEmpty() ? "<no " + name + ">" : value);
        };
    }
}
