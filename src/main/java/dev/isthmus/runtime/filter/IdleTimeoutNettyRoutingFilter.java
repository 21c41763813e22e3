package dev.isthmus.runtime.filter;

import java.time.Duration;
import java.util.List;

import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.web.server.ServerWebExchange;

/**
 * Spring Cloud Gateway's routing filter, plus the route's idle timeout ({@code timeouts.idle}):
 * reactor-netty's per-request {@code responseTimeout}, the longest silence allowed between two
 * reads of a response. Spring Cloud Gateway only has a whole-response timeout, which cannot tell a
 * slow stream from a stalled one. Registered in place of its {@code routingFilter} bean (turned
 * off by {@code spring.cloud.gateway.server.webflux.global-filter.netty-routing.enabled=false}).
 */
public class IdleTimeoutNettyRoutingFilter extends NettyRoutingFilter {

    /** Route metadata key of the idle timeout, in milliseconds. */
    public static final String IDLE_TIMEOUT_ATTR = "isthmus.idle-timeout";

    public IdleTimeoutNettyRoutingFilter(HttpClient httpClient, ObjectProvider<List<HttpHeadersFilter>> headersFilters,
            HttpClientProperties properties) {
        super(httpClient, headersFilters, properties);
    }

    @Override
    protected HttpClient getHttpClient(Route route, ServerWebExchange exchange) {
        HttpClient client = super.getHttpClient(route, exchange);
        Object idle = route.getMetadata().get(IDLE_TIMEOUT_ATTR);
        return idle instanceof Number millis ? client.responseTimeout(Duration.ofMillis(millis.longValue())) : client;
    }
}
