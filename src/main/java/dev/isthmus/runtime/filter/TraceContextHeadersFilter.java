package dev.isthmus.runtime.filter;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.runtime.RouteAttributes;
import dev.isthmus.runtime.trace.UpstreamSpan;

/**
 * The W3C trace context the upstream receives: the current attempt's span
 * ({@link UpstreamSpanFilter}), in place of whatever {@code traceparent} / {@code tracestate} the
 * client sent, so the upstream's spans are children of the gateway's (and an untrusted client's
 * context never reaches it as a parent either). Runs inside Spring Cloud Gateway's routing filter,
 * once per attempt. Only registered when tracing is on; with tracing off the gateway passes the
 * client's headers through untouched.
 */
public final class TraceContextHeadersFilter implements HttpHeadersFilter, Ordered {

    /** After the forwarded headers ({@link UpstreamForwardedHeadersFilter#ORDER}). */
    public static final int ORDER = UpstreamForwardedHeadersFilter.ORDER + 100;

    private final Set<String> fields;

    public TraceContextHeadersFilter(List<String> fields) {
        this.fields = fields.stream().map(f -> f.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        UpstreamSpan span = exchange.getAttribute(RouteAttributes.UPSTREAM_SPAN);
        if (span == null) {
            return input;
        }
        HttpHeaders out = new HttpHeaders();
        input.forEach((name, values) -> {
            if (!fields.contains(name.toLowerCase(Locale.ROOT))) {
                out.addAll(name, values);
            }
        });
        span.inject(out, HttpHeaders::set);
        return out;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
