package dev.isthmus.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.web.cors.CorsConfiguration;

/** What the contributors of one route's policies add to its Spring Cloud Gateway form, in policy order. */
public final class RouteFilters {

    private final List<GatewayFilter> filters = new ArrayList<>();
    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private CorsConfiguration cors;
    private boolean websocketRouting;

    /** A route filter; route filters run in the order added, all before the global routing filters. */
    public void add(GatewayFilter filter) {
        filters.add(filter);
    }

    /** Route metadata (Spring Cloud Gateway's connect and response timeouts, Isthmus' idle timeout). */
    public void metadata(String key, Object value) {
        metadata.put(key, value);
    }

    /** The route answers CORS preflights and decorates its responses with this configuration. */
    public void cors(CorsConfiguration configuration) {
        this.cors = configuration;
    }

    /** Keep Spring Cloud Gateway's WebSocket routing filter in this route's chain (left out otherwise). */
    public void allowWebsocketRouting() {
        this.websocketRouting = true;
    }

    List<GatewayFilter> filters() {
        return filters;
    }

    Map<String, Object> metadata() {
        return metadata;
    }

    CorsConfiguration cors() {
        return cors;
    }

    boolean websocketRouting() {
        return websocketRouting;
    }
}
