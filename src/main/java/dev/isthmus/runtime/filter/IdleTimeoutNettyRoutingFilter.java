package dev.isthmus.runtime.filter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.netty.channel.ChannelOption;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.runtime.upstream.UpstreamClients;
import dev.isthmus.runtime.RouteAttributes;

/**
 * Spring Cloud Gateway's routing filter, connecting with the chosen backend's client
 * ({@link UpstreamClients}: the destination rules' resolver of its trust, its protocol and TLS), plus the route's idle timeout ({@code timeouts.idle}):
 * reactor-netty's per-request {@code responseTimeout}, the longest silence allowed between two
 * reads of a response. Spring Cloud Gateway only has a whole-response timeout, which cannot tell a
 * slow stream from a stalled one. Registered in place of its {@code routingFilter} bean (turned
 * off by {@code spring.cloud.gateway.server.webflux.global-filter.netty-routing.enabled=false}).
 */
public class IdleTimeoutNettyRoutingFilter extends NettyRoutingFilter {

    /** Route metadata key of the idle timeout, in milliseconds. */
    public static final String IDLE_TIMEOUT_ATTR = "isthmus.idle-timeout";

    private final HttpClient operator;
    private final HttpClient tenant;
    private final UpstreamRequestHeadersFilter requestHeaders = new UpstreamRequestHeadersFilter();
    private volatile List<HttpHeadersFilter> routingHeadersFilters;

    public IdleTimeoutNettyRoutingFilter(HttpClient httpClient, ObjectProvider<List<HttpHeadersFilter>> headersFilters,
            HttpClientProperties properties, UpstreamClients clients) {
        super(httpClient, headersFilters, properties);
        this.operator = clients.client(DestinationGuard.Trust.OPERATOR, null);
        this.tenant = clients.client(DestinationGuard.Trust.TENANT, null);
    }

    /**
     * The header filters as Spring Cloud Gateway's chain has them, except that the request side of
     * those {@link UpstreamRequestHeadersFilter} covers is done by it, in one copy instead of six.
     */
    @Override
    public List<HttpHeadersFilter> getHeadersFilters() {
        List<HttpHeadersFilter> filters = routingHeadersFilters;
        if (filters == null) {
            List<HttpHeadersFilter> all = super.getHeadersFilters();
            filters = new ArrayList<>();
            filters.add(requestHeaders);
            for (HttpHeadersFilter f : all == null ? List.<HttpHeadersFilter>of() : all) {
                if (!UpstreamRequestHeadersFilter.covers(f)) {
                    filters.add(f);
                }
                else if (f instanceof RemoveHopByHopHeadersFilter hopByHop) {
                    filters.add(new ResponseSide(hopByHop));
                }
            }
            AnnotationAwareOrderComparator.sort(filters);
            routingHeadersFilters = filters = List.copyOf(filters);
        }
        return filters;
    }

    /**
     * The hop-by-hop filter's response side, in place: the routing filter hands its response
     * filters the new map it has just copied the upstream's headers into, so a second copy only to
     * drop a {@code Connection} or {@code Keep-Alive} would be waste.
     */
    private record ResponseSide(RemoveHopByHopHeadersFilter delegate) implements HttpHeadersFilter, Ordered {

        @Override
        public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
            Set<String> removed = UpstreamRequestHeadersFilter.withConnectionTokens(delegate.getHeaders(), input);
            input.headerSet().removeIf(e -> removed.contains(e.getKey().toLowerCase(Locale.ROOT)));
            return input;
        }

        @Override
        public boolean supports(Type type) {
            return type == Type.RESPONSE;
        }

        @Override
        public int getOrder() {
            return delegate.getOrder();
        }
    }

    @Override
    protected HttpClient getHttpClient(Route route, ServerWebExchange exchange) {
        Object connectTimeout = route.getMetadata().get(org.springframework.cloud.gateway.support.RouteMetadataUtils.CONNECT_TIMEOUT_ATTR);
        // the backend's own client (protocol, TLS) if it has one; else a tenant's unless BackendSelectionFilter chose an operator's url: backend
        HttpClient client = exchange.getAttribute(RouteAttributes.UPSTREAM_CLIENT);
        if (client == null) {
            client = exchange.getAttribute(RouteAttributes.UPSTREAM_TRUST) == DestinationGuard.Trust.OPERATOR ? operator : tenant;
        }
        if (connectTimeout instanceof Number millis) {
            client = client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, millis.intValue());
        }
        Object idle = route.getMetadata().get(IDLE_TIMEOUT_ATTR);
        return idle instanceof Number millis ? client.responseTimeout(Duration.ofMillis(millis.longValue())) : client;
    }
}
