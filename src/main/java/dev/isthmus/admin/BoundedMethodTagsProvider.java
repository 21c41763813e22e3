package dev.isthmus.admin;

import java.util.Set;

import io.micrometer.core.instrument.Tags;

import org.springframework.cloud.gateway.support.tagsprovider.GatewayTagsProvider;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

/**
 * The {@code httpMethod} tag of {@code spring.cloud.gateway.requests}, limited to the standard
 * methods (RFC 9110, and PATCH from RFC 5789) and {@code _OTHER}, as OpenTelemetry's semantic
 * conventions do. Netty accepts any token as a method and Spring Cloud Gateway's
 * {@code GatewayHttpTagsProvider} tags the raw one: a client sending random methods would create a
 * timer and its histogram per method until the heap is gone. A tags provider rather than a
 * {@code MeterFilter}: Micrometer remembers every pre-filter meter id, so a filter would still keep
 * one entry per raw method. Spring Cloud Gateway merges providers so that the first one's tags
 * win, hence the highest precedence.
 */
public final class BoundedMethodTagsProvider implements GatewayTagsProvider, Ordered {

    static final Set<String> STANDARD = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
    static final String OTHER = "_OTHER";

    @Override
    public Tags apply(ServerWebExchange exchange) {
        String method = exchange.getRequest().getMethod().name();
        return Tags.of("httpMethod", STANDARD.contains(method) ? method : OTHER);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
