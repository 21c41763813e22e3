package dev.isthmus.runtime.filter;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.GatewayToStringStyler;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * One deadline over everything after it in the chain, retries and backoff included (Envoy's route
 * timeout). Spring Cloud Gateway's response timeout applies per upstream call, which with retries
 * is the per-try timeout; this bounds the whole.
 */
public class DeadlineGatewayFilterFactory extends AbstractGatewayFilterFactory<DeadlineGatewayFilterFactory.Config> {

    public DeadlineGatewayFilterFactory() {
        super(Config.class);
    }

    @Override
    public GatewayFilter apply(Config config) {
        Duration timeout = config.getTimeout();
        return new GatewayFilter() {
            @Override
            public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
                return chain.filter(exchange).timeout(timeout, Mono.error(() -> new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT,
                        "upstream did not answer within the route's response timeout of " + timeout.toMillis() + " ms",
                        new TimeoutException())));
            }

            @Override
            public String toString() {
                return GatewayToStringStyler.filterToStringCreator(DeadlineGatewayFilterFactory.this).append("timeout", timeout)
                        .toString();
            }
        };
    }

    public static class Config {
        private Duration timeout;

        public Duration getTimeout() {
            return timeout;
        }

        public Config setTimeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }
    }
}
