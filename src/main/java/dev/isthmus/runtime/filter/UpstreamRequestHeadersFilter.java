package dev.isthmus.runtime.filter;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.springframework.cloud.gateway.filter.headers.ForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.GRPCRequestHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TransferEncodingNormalizationHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.XForwardedHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * The upstream request's headers in one copy: what six request {@link HttpHeadersFilter}s of the
 * routing filter did one after the other, each copying every header into a new case-insensitive
 * map (measured: 17% of the event loops' CPU on a plain route, most of it {@code toLowerCase} of the
 * same names six times). Spring Cloud Gateway has no hook to build the upstream headers other than
 * that chain, so {@link IdleTimeoutNettyRoutingFilter} gives this filter the place of the ones it
 * {@linkplain #covers covers}, in this order:
 * <ol>
 * <li>the client's {@code Forwarded} and {@code X-Forwarded-*} are dropped ({@code Remove*ForwardedHeadersFilter});</li>
 * <li>hop-by-hop headers are dropped, and those the remaining {@code Connection} tokens name
 *     ({@code RemoveHopByHopHeadersFilter}: the client's own nominations are gone at the entrance, see
 *     {@code server.ConnectionHeader});</li>
 * <li>{@code Content-Length} is dropped beside {@code Transfer-Encoding: chunked}
 *     ({@code TransferEncodingNormalizationHeadersFilter}; the transfer coding itself is hop-by-hop);</li>
 * <li>the gateway's forwarded headers are added ({@link UpstreamForwardedHeadersFilter}, unless the
 *     route has {@code forwardedHeaders: false});</li>
 * <li>{@code te: trailers} for gRPC ({@code GRPCRequestHeadersFilter}).</li>
 * </ol>
 * The only difference from the chain: the gateway's own forwarded headers are added after the
 * hop-by-hop step, so no {@code Connection} token can remove them. {@code UpstreamRequestHeadersTest}
 * runs the same cases through both.
 */
public final class UpstreamRequestHeadersFilter implements HttpHeadersFilter, Ordered {

    private static final Set<String> HOP_BY_HOP = Set.copyOf(RemoveHopByHopHeadersFilter.HEADERS_REMOVED_ON_REQUEST);

    /** The request filters whose work this one does. */
    private static final List<Class<?>> COVERED = List.of(RemoveForwardedHeadersFilter.class, RemoveXForwardedHeadersFilter.class,
            ForwardedHeadersFilter.class, XForwardedHeadersFilter.class, UpstreamForwardedHeadersFilter.class,
            TransferEncodingNormalizationHeadersFilter.class, RemoveHopByHopHeadersFilter.class, GRPCRequestHeadersFilter.class);

    /** True for a filter whose request side this one replaces (its response side, if any, stays). */
    public static boolean covers(HttpHeadersFilter filter) {
        return COVERED.contains(filter.getClass());
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        Set<String> removed = withConnectionTokens(HOP_BY_HOP, input);
        boolean chunked = isChunked(input.getFirst(HttpHeaders.TRANSFER_ENCODING));
        HttpHeaders out = new HttpHeaders();
        for (var entry : input.headerSet()) {
            String name = entry.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("forwarded") || name.startsWith("x-forwarded-") || removed.contains(name)
                    || (chunked && name.equals("content-length"))) {
                continue;
            }
            out.addAll(entry.getKey(), entry.getValue());
        }
        UpstreamForwardedHeadersFilter.addForwarded(exchange, out);
        String contentType = input.getFirst(HttpHeaders.CONTENT_TYPE);
        if (contentType != null && contentType.regionMatches(true, 0, "application/grpc", 0, 16)) {
            out.add("te", "trailers");
        }
        return out;
    }

    /** {@code hopByHop} plus the names the headers' {@code Connection} tokens nominate; no copy without a Connection header. */
    static Set<String> withConnectionTokens(Set<String> hopByHop, HttpHeaders headers) {
        List<String> tokens = headers.getConnection();
        if (tokens.isEmpty()) {
            return hopByHop;
        }
        Set<String> removed = new HashSet<>(hopByHop);
        for (String token : tokens) {
            removed.add(token.toLowerCase(Locale.ROOT));
        }
        return removed;
    }

    private static boolean isChunked(String transferEncoding) {
        return transferEncoding != null && "chunked".equalsIgnoreCase(transferEncoding.trim());
    }

    @Override
    public boolean supports(Type type) {
        return type == Type.REQUEST;
    }

    @Override
    public int getOrder() {
        return UpstreamForwardedHeadersFilter.ORDER;
    }
}
