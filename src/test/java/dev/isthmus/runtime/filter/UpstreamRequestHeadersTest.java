package dev.isthmus.runtime.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.headers.GRPCRequestHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.GRPCResponseHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TransferEncodingNormalizationHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.mockito.Mockito;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;

import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.runtime.upstream.UpstreamClients;

/**
 * The one-copy request headers against Spring Cloud Gateway's chain of six filters, case by case:
 * the same headers, names and values in the same order, except where the difference is the point.
 */
class UpstreamRequestHeadersTest {

    /** The chain as Spring Cloud Gateway runs it for Isthmus' routing filter (no trusted proxies, HTTP/2 on). */
    private static final List<HttpHeadersFilter> CHAIN = sorted(new RemoveForwardedHeadersFilter(), new RemoveXForwardedHeadersFilter(),
            new UpstreamForwardedHeadersFilter(), new TransferEncodingNormalizationHeadersFilter(), new RemoveHopByHopHeadersFilter(),
            new GRPCRequestHeadersFilter());

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("plain", List.of("Host: shop.example", "Accept: */*", "User-Agent: curl/8")),
                Arguments.of("the client's forwarded headers", List.of("Host: a", "X-Forwarded-For: 6.6.6.6", "x-forwarded-proto: https",
                        "X-Forwarded-Server: evil", "X-FORWARDED-HOST: b", "Forwarded: for=6.6.6.6", "X-Forwarded: keep")),
                Arguments.of("hop-by-hop", List.of("Host: a", "Connection: keep-alive", "Keep-Alive: timeout=5", "Proxy-Authorization: Basic x",
                        "TE: gzip", "Trailer: X-Sum", "Upgrade: h2c", "X-Application-Context: app", "Proxy-Authenticate: x", "X-Kept: 1")),
                Arguments.of("Connection tokens", List.of("Host: a", "Connection: close, Proxy-Connection, HTTP2-Settings",
                        "Proxy-Connection: keep-alive", "HTTP2-Settings: AAMAAABkAAQAAP__", "X-Kept: 1")),
                Arguments.of("chunked beside a length", List.of("Host: a", "Transfer-Encoding: chunked", "Content-Length: 3", "X-Kept: 1")),
                Arguments.of("Chunked, spaced", List.of("Host: a", "Transfer-Encoding:  Chunked ", "content-length: 3")),
                Arguments.of("a length alone", List.of("Host: a", "Content-Length: 3", "Content-Type: text/plain")),
                Arguments.of("gRPC", List.of("Host: a", "Content-Type: application/grpc+proto", "TE: trailers", "grpc-timeout: 1S")),
                Arguments.of("gRPC in capitals", List.of("Host: a", "content-type: Application/GRPC", "grpc-encoding: gzip")),
                Arguments.of("not gRPC", List.of("Host: a", "Content-Type: application/grpc-web-text-ish", "TE: trailers")),
                Arguments.of("repeated and mixed-case names", List.of("Host: a", "Accept: text/html", "accept: application/json",
                        "Cookie: a=1", "Cookie: b=2", "X-Multi: 1, 2")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameHeadersAsSpringCloudGatewaysChain(String name, List<String> headers) {
        for (boolean forwardedDisabled : new boolean[] {false, true}) {
            ServerWebExchange exchange = exchange(headers, forwardedDisabled);
            HttpHeaders chain = HttpHeadersFilter.filterRequest(CHAIN, exchange);
            HttpHeaders one = new UpstreamRequestHeadersFilter().filter(exchange.getRequest().getHeaders(), exchange);
            assertThat(entries(one)).as("%s, forwardedHeaders %s", name, !forwardedDisabled).isEqualTo(entries(chain));
        }
    }

    @Test
    void theForwardedHeadersAreTheGatewaysOnlyOnce() {
        HttpHeaders one = new UpstreamRequestHeadersFilter().filter(exchange(List.of("Host: a:8080", "X-Forwarded-For: 6.6.6.6"), false)
                .getRequest().getHeaders(), exchange(List.of("Host: a:8080", "X-Forwarded-For: 6.6.6.6"), false));
        assertThat(one.get("X-Forwarded-For")).containsExactly("10.1.2.3");
        assertThat(one.get("X-Forwarded-Host")).containsExactly("a:8080");
        assertThat(one.get("X-Forwarded-Port")).containsExactly("8080");
        assertThat(one.get("Forwarded")).containsExactly("for=10.1.2.3;proto=http;host=\"a:8080\"");
    }

    /** The one intended difference: a Connection token cannot remove what the gateway adds. */
    @Test
    void aConnectionTokenCannotRemoveTheGatewaysForwardedHeaders() {
        ServerWebExchange exchange = exchange(List.of("Host: a", "Connection: X-Forwarded-For, Forwarded"), false);
        HttpHeaders chain = HttpHeadersFilter.filterRequest(CHAIN, exchange);
        HttpHeaders one = new UpstreamRequestHeadersFilter().filter(exchange.getRequest().getHeaders(), exchange);
        assertThat(chain.containsHeader("X-Forwarded-For")).as("the chain lets the client hide its address").isFalse();
        assertThat(one.get("X-Forwarded-For")).containsExactly("10.1.2.3");
        assertThat(one.get("Forwarded")).hasSize(1);
    }

    @Test
    void theRoutingFilterRunsItInPlaceOfTheRequestSideOfTheCoveredFilters() {
        RemoveHopByHopHeadersFilter hopByHop = new RemoveHopByHopHeadersFilter();
        GRPCResponseHeadersFilter grpcResponse = new GRPCResponseHeadersFilter();
        TraceContextHeadersFilter trace = new TraceContextHeadersFilter(List.of("traceparent"));
        List<HttpHeadersFilter> beans = sorted(new RemoveForwardedHeadersFilter(), new RemoveXForwardedHeadersFilter(),
                new UpstreamForwardedHeadersFilter(), new TransferEncodingNormalizationHeadersFilter(), hopByHop,
                new GRPCRequestHeadersFilter(), grpcResponse, trace);
        ObjectProvider<List<HttpHeadersFilter>> provider = new ObjectProvider<>() {
            @Override
            public List<HttpHeadersFilter> getObject(Object... args) {
                return beans;
            }

            @Override
            public List<HttpHeadersFilter> getIfAvailable() {
                return beans;
            }

            @Override
            public List<HttpHeadersFilter> getIfUnique() {
                return beans;
            }

            @Override
            public List<HttpHeadersFilter> getObject() {
                return beans;
            }
        };
        HttpClient client = HttpClient.create();
        IdleTimeoutNettyRoutingFilter routing = new IdleTimeoutNettyRoutingFilter(client, provider, new HttpClientProperties(),
                new UpstreamClients(client, DestinationGuard.NONE, null, null));

        List<HttpHeadersFilter> filters = routing.getHeadersFilters();
        List<HttpHeadersFilter> request = filters.stream().filter(f -> f.supports(HttpHeadersFilter.Type.REQUEST)).toList();
        List<HttpHeadersFilter> response = filters.stream().filter(f -> f.supports(HttpHeadersFilter.Type.RESPONSE)).toList();
        assertThat(request).hasSize(2);
        assertThat(request.get(0)).isInstanceOf(UpstreamRequestHeadersFilter.class);
        assertThat(request.get(1)).isSameAs(trace);
        assertThat(response).hasSize(2).contains(grpcResponse);
        HttpHeaders upstream = new HttpHeaders();
        upstream.add("Connection", "keep-alive, X-Internal");
        upstream.add("Keep-Alive", "timeout=5");
        upstream.add("x-internal", "1");
        upstream.add("Transfer-Encoding", "chunked");
        upstream.add("X-Kept", "1");
        upstream.add("Content-Type", "text/plain");
        HttpHeaders expected = hopByHop.filter(upstream, exchange(List.of("Host: a"), false));
        HttpHeaders cleaned = HttpHeadersFilter.filter(filters, upstream, exchange(List.of("Host: a"), false), HttpHeadersFilter.Type.RESPONSE);
        assertThat(entries(cleaned)).as("the hop-by-hop filter's response side, in place").isEqualTo(entries(expected))
                .containsExactly("x-kept: [1]", "content-type: [text/plain]");
        assertThat(routing.getHeadersFilters()).isSameAs(filters);
    }

    private static ServerWebExchange exchange(List<String> headers, boolean forwardedDisabled) {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("http://a/x").remoteAddress(new InetSocketAddress("10.1.2.3", 41000));
        for (String h : headers) {
            int colon = h.indexOf(':');
            request.header(h.substring(0, colon), h.substring(colon + 1).trim());
        }
        // a Reactor Netty request underneath, as on the gateway: the forwarded Host is read from it
        MockServerHttpRequest mock = Mockito.spy(request.build());
        HttpServerRequest nativeRequest = Mockito.mock(HttpServerRequest.class);
        DefaultHttpHeaders nativeHeaders = new DefaultHttpHeaders();
        mock.getHeaders().forEach(nativeHeaders::add);
        Mockito.when(nativeRequest.requestHeaders()).thenReturn(nativeHeaders);
        Mockito.doReturn(nativeRequest).when(mock).getNativeRequest();
        MockServerWebExchange exchange = MockServerWebExchange.from(mock);
        Route.AsyncBuilder route = Route.async().id("r").uri(URI.create("http://upstream")).predicate(e -> true);
        if (forwardedDisabled) {
            route.metadata(UpstreamForwardedHeadersFilter.DISABLED_ATTR, true);
        }
        exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route.build());
        return exchange;
    }

    private static List<String> entries(HttpHeaders headers) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : headers.headerSet()) {
            out.add(e.getKey().toLowerCase(Locale.ROOT) + ": " + e.getValue());
        }
        return out;
    }

    private static List<HttpHeadersFilter> sorted(HttpHeadersFilter... filters) {
        List<HttpHeadersFilter> list = new ArrayList<>(List.of(filters));
        AnnotationAwareOrderComparator.sort(list);
        return List.copyOf(list);
    }
}
