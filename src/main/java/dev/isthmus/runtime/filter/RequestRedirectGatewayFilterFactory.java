package dev.isthmus.runtime.filter;

import java.net.URI;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import reactor.core.publisher.Mono;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.GatewayToStringStyler;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.runtime.HostHeaders;

/**
 * Answers with a redirect that changes only the parts configured (scheme, host, port, path, or the
 * matched prefix) and keeps the rest of the request URL, query included. Spring Cloud Gateway's
 * {@code RedirectTo} redirects to one fixed URL, which cannot express "same URL, but https".
 */
public class RequestRedirectGatewayFilterFactory extends AbstractGatewayFilterFactory<RequestRedirectGatewayFilterFactory.Config> {

    public RequestRedirectGatewayFilterFactory() {
        super(Config.class);
    }

    @Override
    public GatewayFilter apply(Config config) {
        HttpStatus status = HttpStatus.valueOf(config.getCode());
        return new GatewayFilter() {
            @Override
            public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
                exchange.getResponse().setStatusCode(status);
                exchange.getResponse().getHeaders().set(HttpHeaders.LOCATION, location(exchange, config));
                return exchange.getResponse().setComplete();
            }

            @Override
            public String toString() {
                return GatewayToStringStyler.filterToStringCreator(RequestRedirectGatewayFilterFactory.this)
                        .append("status", status.value()).append("scheme", config.getScheme()).append("host", config.getHost())
                        .append("port", config.getPort()).append("path", config.getPath()).append("prefix", config.getReplacePrefix())
                        .toString();
            }
        };
    }

    static String location(ServerWebExchange exchange, Config config) {
        ServerHttpRequest request = exchange.getRequest();
        URI uri = request.getURI();
        String requestScheme = uri.getScheme() == null ? "http" : uri.getScheme();
        String scheme = config.getScheme() != null ? config.getScheme() : requestScheme;
        String hostHeader = request.getHeaders().getFirst(HttpHeaders.HOST);
        String host = config.getHost() != null ? config.getHost()
                : hostHeader != null ? HostHeaders.hostOf(hostHeader) : uri.getHost();
        int port = -1;
        if (config.getPort() != null) {
            port = config.getPort();
        }
        else if (config.getHost() == null && scheme.equals(requestScheme)) {
            port = portOf(hostHeader, uri);
        }
        if ((port == 80 && scheme.equals("http")) || (port == 443 && scheme.equals("https"))) {
            port = -1;
        }
        String path = uri.getRawPath();
        if (config.getPath() != null) {
            path = config.getPath();
        }
        else if (config.getReplacePrefix() != null && config.getMatchedPrefix() != null) {
            String rest = path.length() > config.getMatchedPrefix().length() && !config.getMatchedPrefix().equals("/")
                    ? path.substring(config.getMatchedPrefix().length()) : config.getMatchedPrefix().equals("/") ? path : "";
            path = join(config.getReplacePrefix(), rest);
        }
        StringBuilder location = new StringBuilder(scheme).append("://").append(host);
        if (port > 0) {
            location.append(':').append(port);
        }
        location.append(path);
        if (uri.getRawQuery() != null) {
            location.append('?').append(uri.getRawQuery());
        }
        return location.toString();
    }

    private static String join(String prefix, String rest) {
        if (rest.isEmpty()) {
            return prefix;
        }
        return prefix.endsWith("/") && rest.startsWith("/") ? prefix + rest.substring(1)
                : !prefix.endsWith("/") && !rest.startsWith("/") ? prefix + "/" + rest : prefix + rest;
    }

    private static int portOf(String hostHeader, URI uri) {
        if (hostHeader != null) {
            int colon = hostHeader.lastIndexOf(':');
            if (colon > 0 && colon > hostHeader.lastIndexOf(']')) {
                try {
                    return Integer.parseInt(hostHeader.substring(colon + 1));
                }
                catch (NumberFormatException e) {
                    return -1;
                }
            }
            return -1;
        }
        return uri.getPort();
    }

    public static class Config {
        private String scheme;
        private String host;
        private Integer port;
        private String path;
        private String replacePrefix;
        private String matchedPrefix;
        private int code = 302;

        public String getScheme() {
            return scheme;
        }

        public Config setScheme(String scheme) {
            this.scheme = scheme;
            return this;
        }

        public String getHost() {
            return host;
        }

        public Config setHost(String host) {
            this.host = host;
            return this;
        }

        public Integer getPort() {
            return port;
        }

        public Config setPort(Integer port) {
            this.port = port;
            return this;
        }

        public String getPath() {
            return path;
        }

        public Config setPath(String path) {
            this.path = path;
            return this;
        }

        public String getReplacePrefix() {
            return replacePrefix;
        }

        public Config setReplacePrefix(String replacePrefix) {
            this.replacePrefix = replacePrefix;
            return this;
        }

        public String getMatchedPrefix() {
            return matchedPrefix;
        }

        public Config setMatchedPrefix(String matchedPrefix) {
            this.matchedPrefix = matchedPrefix;
            return this;
        }

        public int getCode() {
            return code;
        }

        public Config setCode(int code) {
            this.code = code;
            return this;
        }
    }
}
