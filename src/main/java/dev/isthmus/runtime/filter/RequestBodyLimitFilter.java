package dev.isthmus.runtime.filter;

import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

/**
 * 413 for a request body over the route's {@code maxRequestBody} (route metadata {@link #LIMIT_ATTR}) or else the
 * gateway's {@code isthmus.routes.max-request-body}. Runs on every route, before its route filters.
 *
 * <ul>
 * <li>A Content-Length over the limit is answered at once: no route filter runs and no upstream connection is opened.</li>
 * <li>A body without Content-Length (chunked HTTP/1.1, HTTP/2 without the header) is counted as it streams to the
 * upstream; the chunk that passes the limit is not sent, the body ends in an error, which aborts the upstream
 * request (Reactor Netty closes that connection mid-body, so the backend never receives a complete request), and
 * the client gets 413. Buffering such bodies until the limit instead would hold up to the limit in memory per
 * request (10MB by default), and a buffer smaller than the limit would still need this abort path.</li>
 * </ul>
 *
 * <p>Written by hand: Spring Cloud Gateway's {@code RequestSizeGatewayFilterFactory} checks Content-Length only (an
 * HTTP/2 or chunked body passes unchecked) and answers with an empty body and an {@code errorMessage} header, not in
 * the gateway's own error style ({@link BadRequest}).
 */
public final class RequestBodyLimitFilter implements GlobalFilter, Ordered {

    /**
     * Before the route filters (orders 1..n) and {@link NettyWriteResponseFilter} (so that an aborted upload's error passes
     * through its clean-up first), after Spring Cloud Gateway's cached-body adapter.
     */
    public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 2;
    /** Route metadata: the route's own limit in bytes ({@code Long}). */
    public static final String LIMIT_ATTR = "isthmus.max-request-body";

    private final long defaultLimit;

    public RequestBodyLimitFilter(long defaultLimit) {
        this.defaultLimit = defaultLimit;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        long limit = limit(exchange);
        ServerHttpRequest request = exchange.getRequest();
        long length = request.getHeaders().getContentLength();
        if (length > limit) {
            return tooLarge(exchange, limit);
        }
        boolean chunked = request.getHeaders().getFirst(HttpHeaders.TRANSFER_ENCODING) != null;
        if (!chunked && (length >= 0 || http1(request))) {
            // A declared length is enforced below us (Netty's HTTP/1.1 decoder reads exactly that many bytes,
            // Http2StreamGuard resets a stream whose DATA disagrees), and an HTTP/1.x request with neither header
            // has no body: only undeclared bodies are counted, so a GET or a sized POST gets no decorator.
            return chain.filter(exchange);
        }
        ServerHttpRequest counted = new ServerHttpRequestDecorator(request) {
            @Override
            public Flux<DataBuffer> getBody() {
                AtomicLong seen = new AtomicLong();
                return super.getBody().map(buffer -> {
                    if (seen.addAndGet(buffer.readableByteCount()) > limit) {
                        DataBufferUtils.release(buffer);
                        throw new BodyTooLargeException(limit);
                    }
                    return buffer;
                });
            }
        };
        return chain.filter(exchange.mutate().request(counted).build())
                .onErrorResume(e -> causedByLimit(e) && !exchange.getResponse().isCommitted(), e -> tooLarge(exchange, limit));
    }

    /** HTTP/1.x without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3); HTTP/2 may send DATA without either. */
    private static boolean http1(ServerHttpRequest request) {
        return ServerHttpRequestDecorator.getNativeRequest(request) instanceof HttpServerRequest netty && netty.protocol().startsWith("HTTP/1");
    }

    private long limit(ServerWebExchange exchange) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        Object own = route == null ? null : route.getMetadata().get(LIMIT_ATTR);
        return own instanceof Number n ? n.longValue() : defaultLimit;
    }

    private static Mono<Void> tooLarge(ServerWebExchange exchange, long limit) {
        return BadRequest.answer(exchange, HttpStatus.PAYLOAD_TOO_LARGE, "request body larger than this route's limit of " + limit + " bytes");
    }

    private static boolean causedByLimit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BodyTooLargeException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public String toString() {
        return "RequestBodyLimit[default=" + defaultLimit + "]";
    }

    /** Not an IOException, so that no retry policy takes the aborted upload for an upstream failure. */
    static final class BodyTooLargeException extends RuntimeException {
        BodyTooLargeException(long limit) {
            super("request body over " + limit + " bytes", null, false, false);
        }
    }
}
