package dev.isthmus.runtime.policy;

import java.net.InetSocketAddress;
import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.isthmus.runtime.auth.AuthRequest;

/** A WebFlux request as the auth guards read it. */
record ExchangeAuthRequest(ServerHttpRequest request) implements AuthRequest {

    @Override
    public String method() {
        return request.getMethod().name();
    }

    @Override
    public String scheme() {
        String scheme = request.getURI().getScheme();
        return scheme == null ? "http" : scheme;
    }

    @Override
    public String host() {
        return request.getHeaders().getFirst(HttpHeaders.HOST);
    }

    @Override
    public String uri() {
        String query = request.getURI().getRawQuery();
        String path = request.getURI().getRawPath();
        return (path == null || path.isEmpty() ? "/" : path) + (query == null ? "" : "?" + query);
    }

    @Override
    public List<String> headers(String name) {
        List<String> values = request.getHeaders().get(name);
        return values == null ? List.of() : values;
    }

    @Override
    public InetSocketAddress client() {
        return request.getRemoteAddress();
    }
}
