package dev.isthmus.admin;

import io.micrometer.core.instrument.Tags;

import org.springframework.cloud.gateway.support.tagsprovider.GatewayTagsProvider;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.runtime.RouteAttributes;

/**
 * The {@code upstream} tag of {@code spring.cloud.gateway.requests}: the backend the request went
 * to, as configured (a service such as {@code quote.shop}, {@code k8s:shop/quote},
 * {@code consul:dc2/inventory}, or a fixed URL), never an instance address, so series stay bounded
 * by the routes' backends while pods come and go. {@code none} for redirects and answers made
 * before a backend was chosen. Spring Cloud Gateway's {@code routeUri} tag is the route's URI, which
 * for every Isthmus route is the same placeholder ({@code isthmus://upstream}); it gets the same
 * value, so it means what its name says. Highest precedence: Spring Cloud Gateway merges providers
 * so that the first one's tags win.
 */
public final class UpstreamTagsProvider implements GatewayTagsProvider, Ordered {

    @Override
    public Tags apply(ServerWebExchange exchange) {
        String upstream = exchange.getAttribute(RouteAttributes.UPSTREAM);
        String value = upstream == null ? RequestMetrics.NONE : upstream;
        return Tags.of("upstream", value, "routeUri", value);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
