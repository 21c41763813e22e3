package dev.isthmus.runtime.trace;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.propagation.Propagator;

/** The span of one attempt to reach an upstream: from sending the request to its response headers (or failure). Ended once. */
public final class UpstreamSpan {

    private final RequestTracing tracing;
    private final Span span;
    private boolean ended;

    UpstreamSpan(RequestTracing tracing, Span span) {
        this.tracing = tracing;
        this.span = span;
    }

    /** Writes this attempt's trace context ({@code traceparent}, {@code tracestate}) into the upstream request. */
    public <C> void inject(C headers, Propagator.Setter<C> setter) {
        tracing.inject(span, headers, setter);
    }

    /**
     * Ends the span.
     *
     * @param status the upstream's status, 0 when none arrived
     * @param error why the attempt failed (connect error, timeout, reset), or null
     */
    public void end(int status, Throwable error) {
        if (ended) {
            return;
        }
        ended = true;
        if (!span.isNoop()) {
            if (status > 0) {
                span.tag("http.response.status_code", status);
            }
            if (error != null) {
                span.error(error);
            }
            else if (status >= 500) {
                span.tag("error.type", Integer.toString(status));
            }
            else if (status == 0) {
                span.tag("error.type", "cancelled");
            }
        }
        span.end();
    }
}
