package dev.isthmus.runtime.filter;

import com.google.re2j.Pattern;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.GatewayToStringStyler;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.addOriginalRequestUrl;

/**
 * Rewrites the path with an RE2 regular expression ({@code $1}, {@code ${name}} in the replacement).
 * Spring Cloud Gateway's {@code RewritePath} does the same with {@code java.util.regex}, whose
 * backtracking lets one route author's pattern stall a request thread; RE2 runs in linear time.
 */
public class RegexPathRewriteGatewayFilterFactory extends AbstractGatewayFilterFactory<RegexPathRewriteGatewayFilterFactory.Config> {

    public RegexPathRewriteGatewayFilterFactory() {
        super(Config.class);
    }

    @Override
    public GatewayFilter apply(Config config) {
        Pattern pattern = Pattern.compile(config.getPattern());
        String replacement = config.getReplacement();
        return new GatewayFilter() {
            @Override
            public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
                return rewrite(pattern, replacement, exchange, chain);
            }

            @Override
            public String toString() {
                return GatewayToStringStyler.filterToStringCreator(RegexPathRewriteGatewayFilterFactory.this)
                        .append("pattern", config.getPattern()).append("replacement", replacement).toString();
            }
        };
    }

    private static Mono<Void> rewrite(Pattern pattern, String replacement, ServerWebExchange exchange, GatewayFilterChain chain) {
        {
            ServerHttpRequest request = exchange.getRequest();
            addOriginalRequestUrl(exchange, request.getURI());
            String path = request.getURI().getRawPath();
            String rewritten = pattern.matcher(path).replaceAll(replacement);
            if (rewritten.isEmpty() || rewritten.charAt(0) != '/') {
                rewritten = "/" + rewritten;
            }
            if (rewritten.equals(path)) {
                return chain.filter(exchange);
            }
            return chain.filter(exchange.mutate().request(request.mutate().path(rewritten).build()).build());
        }
    }

    public static class Config {
        private String pattern;
        private String replacement;

        public String getPattern() {
            return pattern;
        }

        public Config setPattern(String pattern) {
            this.pattern = pattern;
            return this;
        }

        public String getReplacement() {
            return replacement;
        }

        public Config setReplacement(String replacement) {
            this.replacement = replacement;
            return this;
        }
    }
}
