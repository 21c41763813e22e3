package dev.isthmus.runtime.filter;

import java.util.Locale;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;

/**
 * gzip of the upstream responses of routes with {@code compression: true} (route metadata {@link #MIN_BYTES_ATTR}) when the client accepts gzip, the response is
 * not already encoded, has a body and is at least {@code minBytes} (by Content-Length; a response of unknown length
 * is compressed).
 *
 * <p>Why by hand: Reactor Netty's compression ({@code server.compression.*}) is set once per server, for every
 * request on the port, with a predicate that sees the Netty request and response but not the route. Per route
 * means deciding inside the route's filter chain, so this filter decorates the response of routes that opted in
 * and compresses with the JDK's deflater; routes without it are untouched. It is a global filter, not a route
 * filter, because it must decorate the response before {@link NettyWriteResponseFilter} (order -1) takes it, and
 * route filters all run after that one. Keep {@code server.compression} off
 * (the default): with it on, it compresses every route, and skips responses this filter already encoded.
 */
public final class GzipResponseFilter implements GlobalFilter, Ordered {

    /** Before {@link NettyWriteResponseFilter#WRITE_RESPONSE_FILTER_ORDER}, which writes the upstream's body. */
    public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;
    /** Route metadata of routes with compression on: the smallest response compressed, in bytes ({@code Integer}). */
    public static final String MIN_BYTES_ATTR = "isthmus.compression-min-bytes";

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        if (route == null || !(route.getMetadata().get(MIN_BYTES_ATTR) instanceof Number min)) {
            return chain.filter(exchange);
        }
        int minBytes = min.intValue();
        if (HttpMethod.HEAD.equals(exchange.getRequest().getMethod())
                || !acceptsGzip(exchange.getRequest().getHeaders().get(HttpHeaders.ACCEPT_ENCODING))) {
            return chain.filter(exchange);
        }
        ServerHttpResponse response = exchange.getResponse();
        ServerHttpResponseDecorator gzipping = new ServerHttpResponseDecorator(response) {
            @Override
            public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
                if (!worthCompressing()) {
                    return super.writeWith(body);
                }
                GzipStream gzip = start();
                return super.writeWith(Flux.from(body).map(gzip::compress).concatWith(Mono.fromCallable(gzip::finish))
                        .doFinally(s -> gzip.close()));
            }

            /** Streamed responses (Spring Cloud Gateway's choice for event streams): one flush per chunk stays one flush. */
            @Override
            public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
                if (!worthCompressing()) {
                    return super.writeAndFlushWith(body);
                }
                GzipStream gzip = start();
                Flux<Flux<DataBuffer>> chunks = Flux.from(body).map(part -> Flux.from(part).map(gzip::compress));
                return super.writeAndFlushWith(chunks.concatWith(Mono.fromCallable(() -> Flux.just(gzip.finish())))
                        .doFinally(s -> gzip.close()));
            }

            private boolean worthCompressing() {
                HttpHeaders h = getHeaders();
                HttpStatusCode status = getStatusCode();
                if (status != null && (status.is1xxInformational() || status.value() == 204 || status.value() == 304
                        || status.value() == 206)) {
                    return false;
                }
                String encoding = h.getFirst(HttpHeaders.CONTENT_ENCODING);
                if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
                    return false;
                }
                long length = h.getContentLength();
                return length < 0 || length >= minBytes;
            }

            private GzipStream start() {
                HttpHeaders h = getHeaders();
                h.remove(HttpHeaders.CONTENT_LENGTH);
                h.set(HttpHeaders.CONTENT_ENCODING, "gzip");
                h.add(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
                String etag = h.getETag();
                if (etag != null && !etag.startsWith("W/")) {
                    h.setETag("W/" + etag); // other bytes than the upstream's: no longer strongly equal
                }
                return new GzipStream(bufferFactory());
            }
        };
        return chain.filter(exchange.mutate().response(gzipping).build());
    }

    /** Whether an Accept-Encoding lists gzip (or *) with a q-value above 0; an explicit {@code gzip;q=0} refuses. */
    static boolean acceptsGzip(java.util.List<String> acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        boolean star = false;
        for (String header : acceptEncoding) {
            for (String item : header.split(",")) {
                String[] parts = item.split(";");
                String coding = parts[0].trim().toLowerCase(Locale.ROOT);
                boolean refused = false;
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].trim().toLowerCase(Locale.ROOT);
                    if (p.startsWith("q=")) {
                        try {
                            refused = Double.parseDouble(p.substring(2)) <= 0;
                        }
                        catch (NumberFormatException e) {
                            refused = true;
                        }
                    }
                }
                if (coding.equals("gzip") || coding.equals("x-gzip")) {
                    return !refused;
                }
                if (coding.equals("*")) {
                    star = !refused;
                }
            }
        }
        return star;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
