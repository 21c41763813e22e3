package dev.isthmus.runtime.filter;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.GatewayToStringStyler;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.HttpHeaders;

/**
 * Refuses WebSocket upgrades on routes that do not allow them ({@code websocket: false}, the
 * default), instead of letting Spring Cloud Gateway's websocket routing take any upgrade request.
 */
public class WebsocketGuardGatewayFilterFactory extends AbstractGatewayFilterFactory<Object> {

    @Override
    public GatewayFilter apply(Object config) {
        return new GatewayFilter() {
            @Override
            public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
                String upgrade = exchange.getRequest().getHeaders().getFirst(HttpHeaders.UPGRADE);
                if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
                    return BadRequest.answer(exchange, "WebSocket upgrades are not enabled on this route");
                }
                return chain.filter(exchange);
            }

            @Override
            public String toString() {
                return GatewayToStringStyler.filterToStringCreator(WebsocketGuardGatewayFilterFactory.this).append("upgrades", "refused")
                        .toString();
            }
        };
    }
}
