package dev.isthmus.runtime.trace;

import io.micrometer.tracing.Span;

/**
 * The span of one request the gateway answers, named by the route that answered it ({@code none}
 * when no route did, the name the {@code isthmus.requests} metric uses). Ended once.
 */
public final class ServerSpan {

    /** The span name of a request no route answered. */
    public static final String NO_ROUTE = "none";

    private final RequestTracing tracing;
    private final Span span;
    private int attempts;
    private boolean ended;

    ServerSpan(RequestTracing tracing, Span span) {
        this.tracing = tracing;
        this.span = span;
    }

    /** The trace id (also of an unsampled request: it is what the upstream receives), for logs. */
    public String traceId() {
        return span.context().traceId();
    }

    /** Starts the span of the next attempt to reach {@code upstream} (a service or URL, never an instance). */
    public UpstreamSpan startAttempt(String upstream, String method, String host, int port) {
        int attempt = ++attempts;
        Span child = tracing.startUpstream(span);
        if (!child.isNoop()) {
            child.name(method + " " + upstream).tag("http.request.method", method).tag("isthmus.upstream", upstream)
                    .tag("isthmus.attempt", attempt);
            if (host != null) {
                child.tag("server.address", host).tag("server.port", port);
            }
            if (attempt > 1) {
                child.tag("http.request.resend_count", attempt - 1);
            }
        }
        return new UpstreamSpan(tracing, child);
    }

    /**
     * Ends the span.
     *
     * @param routeId the route that answered, null for none
     * @param status the status sent, 0 when none was (the client left first)
     * @param reason how the gateway answered ({@code RequestOutcome} tag), or null
     * @param error what failed, or null
     */
    public void end(String routeId, int status, String reason, Throwable error) {
        if (ended) {
            return;
        }
        ended = true;
        if (!span.isNoop()) {
            span.name(routeId == null ? NO_ROUTE : routeId).tag("isthmus.route", routeId == null ? NO_ROUTE : routeId);
            if (status > 0) {
                span.tag("http.response.status_code", status);
            }
            if (reason != null) {
                span.tag("isthmus.reason", reason);
            }
            if (error != null) {
                span.error(error);
            }
            else if (status >= 500) {
                span.tag("error.type", Integer.toString(status));
            }
        }
        span.end();
    }
}
