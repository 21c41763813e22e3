package dev.isthmus.runtime.trace;

import java.util.List;

import io.micrometer.tracing.Link;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

/**
 * The gateway's request tracing, independent of any request path: one {@link ServerSpan} per
 * request, one {@link UpstreamSpan} per attempt to reach an upstream, W3C trace context to the
 * upstream. The Spring Cloud Gateway path calls it from {@code ServerSpanWebFilter},
 * {@code UpstreamSpanFilter} and {@code TraceContextHeadersFilter}; another request path (a native
 * data plane) calls the same three methods with its own header accessors (docs/architecture.md).
 *
 * <p>Built on Micrometer Tracing's {@link Tracer} and {@link Propagator} (the OpenTelemetry bridge
 * in the gateway), used directly rather than through Micrometer observations: spans are carried by
 * the request, never put in thread-local scope, so a reactive request path pays no context
 * propagation, and the span names and attributes are the gateway's own (route id, upstream
 * service, attempt). Exists only when tracing is on; when it is off, nothing on any request path
 * refers to it.
 */
public final class RequestTracing {

    /** Whose incoming {@code traceparent} becomes the parent of the gateway's server span. */
    public enum ClientContext {
        /** Only from a peer in {@code isthmus.server.trusted-proxies}; anyone else's is a link. */
        TRUSTED_PROXIES,
        /** From every client (a gateway that only internal callers reach). */
        ANY,
        /** From nobody: every request starts a trace; a client's context is a link. */
        NONE
    }

    private final Tracer tracer;
    private final Propagator propagator;
    private final ClientContext clientContext;
    private final List<String> fields;

    public RequestTracing(Tracer tracer, Propagator propagator, ClientContext clientContext) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.clientContext = clientContext;
        this.fields = List.copyOf(propagator.fields());
    }

    /** The headers trace context travels in ({@code traceparent}, {@code tracestate}): the gateway writes them upstream. */
    public List<String> fields() {
        return fields;
    }

    /**
     * Starts the span of one request the gateway answers.
     *
     * <p>A trusted client's trace context (see {@link ClientContext}) is the parent: the request
     * is part of the client's trace, and the client's sampling decision holds. Any other client's
     * valid {@code traceparent} is only linked: the gateway starts a trace of its own (its own
     * sampling decision), so an untrusted client can neither choose trace ids, nor force its
     * requests to be sampled and exported, nor graft them into someone else's trace, while the
     * link still leads from the gateway's trace to the client's.
     *
     * @param trustedPeer the request came through a trusted proxy
     * @param headers the request's headers, read with {@code getter}
     */
    public <C> ServerSpan startServer(String method, String path, String clientAddress, boolean trustedPeer, C headers,
            Propagator.Getter<C> getter) {
        boolean believe = clientContext == ClientContext.ANY || (clientContext == ClientContext.TRUSTED_PROXIES && trustedPeer);
        Span.Builder builder;
        if (believe) {
            builder = propagator.extract(headers, getter);
        }
        else {
            builder = tracer.spanBuilder().setNoParent();
            TraceParent claimed = TraceParent.parse(getter.get(headers, TraceParent.HEADER));
            if (claimed != null) {
                TraceContext linked = tracer.traceContextBuilder().traceId(claimed.traceId()).spanId(claimed.spanId())
                        .sampled(claimed.sampled()).build();
                builder.addLink(new Link(linked));
            }
        }
        Span span = builder.kind(Span.Kind.SERVER).name(method).start();
        if (!span.isNoop()) {
            span.tag("http.request.method", method).tag("url.path", path);
            if (clientAddress != null) {
                span.tag("client.address", clientAddress);
            }
        }
        return new ServerSpan(this, span);
    }

    Span startUpstream(Span parent) {
        return tracer.spanBuilder().setParent(parent.context()).kind(Span.Kind.CLIENT).start();
    }

    <C> void inject(Span span, C carrier, Propagator.Setter<C> setter) {
        propagator.inject(span.context(), carrier, setter);
    }
}
