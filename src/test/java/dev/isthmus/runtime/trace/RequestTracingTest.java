package dev.isthmus.runtime.trace;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.micrometer.tracing.propagation.Propagator;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RequestTracing} over the real OpenTelemetry SDK and Micrometer's bridge (the same pair
 * Spring Boot wires), spans collected as the SDK ends them: whose context is a parent and whose a
 * link, per {@link RequestTracing.ClientContext}. TracingIT covers the gateway end to end.
 */
class RequestTracingTest {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";
    static final Propagator.Getter<Map<String, String>> GET = Map::get;

    final List<SpanData> ended = new CopyOnWriteArrayList<>();
    final SdkTracerProvider provider = SdkTracerProvider.builder().setSampler(Sampler.parentBased(Sampler.alwaysOn()))
            .addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
                @Override
                public CompletableResultCode export(java.util.Collection<SpanData> spans) {
                    ended.addAll(spans);
                    return CompletableResultCode.ofSuccess();
                }

                @Override
                public CompletableResultCode flush() {
                    return CompletableResultCode.ofSuccess();
                }

                @Override
                public CompletableResultCode shutdown() {
                    return CompletableResultCode.ofSuccess();
                }
            })).build();

    RequestTracing tracing(RequestTracing.ClientContext mode) {
        io.opentelemetry.api.trace.Tracer otel = provider.get("test");
        OtelTracer tracer = new OtelTracer(otel, new OtelCurrentTraceContext(), event -> {
        });
        OtelPropagator propagator = new OtelPropagator(ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel);
        return new RequestTracing(tracer, propagator, mode);
    }

    @AfterEach
    void close() {
        provider.close();
    }

    static Map<String, String> clientHeaders() {
        return Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01", "tracestate", "a=b");
    }

    @Test
    void aTrustedPeersContextIsTheParent() {
        ServerSpan server = tracing(RequestTracing.ClientContext.TRUSTED_PROXIES).startServer("GET", "/p", "10.0.0.1", true,
                clientHeaders(), GET);
        server.end("file/r", 200, null, null);
        SpanData span = ended.get(0);
        assertThat(span.getTraceId()).isEqualTo(TRACE);
        assertThat(span.getParentSpanId()).isEqualTo(PARENT);
        assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(span.getName()).isEqualTo("file/r");
        assertThat(span.getLinks()).isEmpty();
        assertThat(server.traceId()).isEqualTo(TRACE);
    }

    @Test
    void anUntrustedPeersContextIsALinkInATraceOfItsOwn() {
        ServerSpan server = tracing(RequestTracing.ClientContext.TRUSTED_PROXIES).startServer("GET", "/p", "10.0.0.1", false,
                clientHeaders(), GET);
        server.end(null, 404, "no_route", null);
        SpanData span = ended.get(0);
        assertThat(span.getTraceId()).isNotEqualTo(TRACE);
        assertThat(span.getParentSpanContext().isValid()).isFalse();
        assertThat(span.getLinks()).singleElement().satisfies(l -> {
            assertThat(l.getSpanContext().getTraceId()).isEqualTo(TRACE);
            assertThat(l.getSpanContext().getSpanId()).isEqualTo(PARENT);
        });
        assertThat(span.getName()).isEqualTo("none");
        assertThat(span.getAttributes().asMap()).containsEntry(io.opentelemetry.api.common.AttributeKey.stringKey("isthmus.reason"), "no_route");
    }

    @Test
    void noneBelievesEvenATrustedPeerAndAnyBelievesEveryone() {
        tracing(RequestTracing.ClientContext.NONE).startServer("GET", "/p", null, true, clientHeaders(), GET).end("r", 200, null, null);
        tracing(RequestTracing.ClientContext.ANY).startServer("GET", "/p", null, false, clientHeaders(), GET).end("r", 200, null, null);
        assertThat(ended.get(0).getTraceId()).isNotEqualTo(TRACE);
        assertThat(ended.get(0).getLinks()).hasSize(1);
        assertThat(ended.get(1).getTraceId()).isEqualTo(TRACE);
        assertThat(ended.get(1).getParentSpanId()).isEqualTo(PARENT);
    }

    @Test
    void anUnreadableTraceparentIsNeitherParentNorLink() {
        tracing(RequestTracing.ClientContext.TRUSTED_PROXIES).startServer("GET", "/p", null, false,
                Map.of("traceparent", "00-zz-yy-01"), GET).end("r", 200, null, null);
        assertThat(ended.get(0).getLinks()).isEmpty();
        assertThat(ended.get(0).getParentSpanContext().isValid()).isFalse();
    }

    @Test
    void eachAttemptIsAChildSpanAndInjectsItsOwnContext() {
        ServerSpan server = tracing(RequestTracing.ClientContext.TRUSTED_PROXIES).startServer("GET", "/p", null, true,
                clientHeaders(), GET);
        Map<String, String> first = new HashMap<>();
        UpstreamSpan a1 = server.startAttempt("http://svc", "GET", "10.0.0.5", 8080);
        a1.inject(first, Map::put);
        a1.end(503, null);
        Map<String, String> second = new HashMap<>();
        UpstreamSpan a2 = server.startAttempt("http://svc", "GET", "10.0.0.6", 8080);
        a2.inject(second, Map::put);
        a2.end(200, null);
        a2.end(200, null); // once only
        server.end("file/r", 200, null, null);

        assertThat(ended).hasSize(3);
        SpanData s1 = ended.get(0);
        SpanData s2 = ended.get(1);
        SpanData root = ended.get(2);
        assertThat(List.of(s1, s2)).allSatisfy(s -> {
            assertThat(s.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(s.getParentSpanId()).isEqualTo(root.getSpanId());
            assertThat(s.getName()).isEqualTo("GET http://svc");
        });
        assertThat(s1.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("isthmus.attempt"))).isEqualTo(1L);
        assertThat(s2.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("isthmus.attempt"))).isEqualTo(2L);
        assertThat(first.get("traceparent")).isEqualTo("00-" + TRACE + "-" + s1.getSpanId() + "-01");
        assertThat(second.get("traceparent")).isEqualTo("00-" + TRACE + "-" + s2.getSpanId() + "-01");
        assertThat(first.get("tracestate")).isEqualTo("a=b");
    }
}
