package dev.isthmus.runtime.trace;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

import dev.isthmus.runtime.filter.ServerSpanWebFilter;
import dev.isthmus.runtime.filter.TraceContextHeadersFilter;
import dev.isthmus.runtime.filter.UpstreamSpanFilter;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.EchoServer.Received;
import dev.isthmus.testsupport.EchoServer.Reply;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.OtlpReceiver;
import dev.isthmus.testsupport.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tracing end to end: the gateway exports over OTLP/HTTP to a real receiver that decodes the
 * protobuf export, and a real upstream records the traceparent it receives. A trusted proxy
 * (127.0.0.2, from isthmus.server.trusted-proxies) is the parent of the gateway's span; any other
 * client's traceparent is only a link. With tracing off there is no tracer and the client's headers
 * pass through untouched.
 */
class TracingIT {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";
    static final String ROUTES = """
            routes:
              - name: traced
                match: {path: {prefix: /traced}}
                backends: [{url: "%1$s"}]
              - name: flaky
                match: {path: {prefix: /flaky}}
                retries: {attempts: 2, on: [gateway-error], backoff: 10ms}
                backends: [{url: "%1$s"}]
            """;

    static EchoServer upstream;

    @BeforeAll
    static void startUpstream() {
        upstream = EchoServer.start("traced-upstream");
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    static Map<String, String> tracingOn(OtlpReceiver receiver, double probability) {
        Map<String, String> props = new HashMap<>();
        props.put("management.opentelemetry.tracing.export.otlp.endpoint", receiver.endpoint());
        props.put("management.opentelemetry.tracing.export.schedule-delay", "100ms");
        props.put("management.tracing.sampling.probability", Double.toString(probability));
        props.put("isthmus.server.trusted-proxies", "127.0.0.2/32");
        props.put("isthmus.access-log.enabled", "true");
        return props;
    }

    /** A GET sent from 127.0.0.2 (the trusted proxy) on a raw socket. */
    static int getFromTrustedProxy(GatewayApp app, String path, String... headers) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.2", 0));
            s.connect(new InetSocketAddress("127.0.0.1", app.port()), 5000);
            s.setSoTimeout(15000);
            StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            s.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            return RawHttp.status(RawHttp.readResponse(s.getInputStream()));
        }
    }

    static List<OtlpReceiver.Received> await(OtlpReceiver receiver, Predicate<List<OtlpReceiver.Received>> done) {
        assertThat(Await.until(Duration.ofSeconds(15), () -> done.test(receiver.spans())))
                .as("spans exported: %s", receiver.spans().stream().map(OtlpReceiver.Received::name).toList()).isTrue();
        return receiver.spans();
    }

    static OtlpReceiver.Received only(List<OtlpReceiver.Received> spans, Predicate<OtlpReceiver.Received> which) {
        List<OtlpReceiver.Received> found = spans.stream().filter(which).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class On {

        OtlpReceiver receiver;
        GatewayApp app;
        ListAppender<ILoggingEvent> accessLog;

        @BeforeAll
        void start() {
            receiver = OtlpReceiver.start();
            app = GatewayApp.start(ROUTES.formatted(upstream.url()), tracingOn(receiver, 1.0));
            accessLog = new ListAppender<>();
            accessLog.start();
            ((Logger) LoggerFactory.getLogger("isthmus.access")).addAppender(accessLog);
        }

        @AfterAll
        void stop() {
            ((Logger) LoggerFactory.getLogger("isthmus.access")).detachAppender(accessLog);
            app.close();
            receiver.close();
        }

        @BeforeEach
        void reset() {
            receiver.reset();
            upstream.reset();
            upstream.behave(r -> Reply.ok());
            accessLog.list.clear();
        }

        @Test
        void aTrustedProxysTraceIsTheParentAndTheUpstreamGetsTheAttemptsContext() throws IOException {
            assertThat(getFromTrustedProxy(app, "/traced/a", "traceparent: 00-" + TRACE + "-" + PARENT + "-01",
                    "tracestate: vendor=opaque")).isEqualTo(200);

            List<OtlpReceiver.Received> spans = await(receiver, s -> s.size() >= 2);
            OtlpReceiver.Received server = only(spans, s -> s.kind() == SpanKind.SPAN_KIND_SERVER);
            OtlpReceiver.Received client = only(spans, s -> s.kind() == SpanKind.SPAN_KIND_CLIENT);
            assertThat(server.service()).isEqualTo("isthmus");
            assertThat(server.name()).isEqualTo("file/traced");
            assertThat(server.traceId()).isEqualTo(TRACE);
            assertThat(server.parentSpanId()).isEqualTo(PARENT);
            assertThat(server.attribute("http.request.method")).isEqualTo("GET");
            assertThat(server.attribute("url.path")).isEqualTo("/traced/a");
            assertThat(server.attribute("http.response.status_code")).isEqualTo("200");
            assertThat(server.attribute("client.address")).isEqualTo("127.0.0.2");
            assertThat(client.traceId()).isEqualTo(TRACE);
            assertThat(client.parentSpanId()).isEqualTo(server.spanId());
            assertThat(client.name()).isEqualTo("GET " + upstream.url());
            assertThat(client.attribute("isthmus.attempt")).isEqualTo("1");
            assertThat(client.attribute("server.port")).isEqualTo(Integer.toString(upstream.port()));
            assertThat(client.attribute("http.response.status_code")).isEqualTo("200");

            // the upstream's parent is the gateway's client span; the client's tracestate went with its trace
            Received got = upstream.last();
            assertThat(got.header("traceparent")).isEqualTo("00-" + TRACE + "-" + client.spanId() + "-01");
            assertThat(got.header("tracestate")).isEqualTo("vendor=opaque");
        }

        @Test
        void anUntrustedClientsTraceIsOnlyLinked() {
            HttpResponse<String> r = app.send(app.request("/traced/b").header("traceparent", "00-" + TRACE + "-" + PARENT + "-01")
                    .header("tracestate", "vendor=forged").build());
            assertThat(r.statusCode()).isEqualTo(200);

            List<OtlpReceiver.Received> spans = await(receiver, s -> s.size() >= 2);
            OtlpReceiver.Received server = only(spans, s -> s.kind() == SpanKind.SPAN_KIND_SERVER);
            OtlpReceiver.Received client = only(spans, s -> s.kind() == SpanKind.SPAN_KIND_CLIENT);
            assertThat(server.traceId()).isNotEqualTo(TRACE).matches("[0-9a-f]{32}");
            assertThat(server.parentSpanId()).isEmpty();
            assertThat(server.span().getLinksList()).hasSize(1);
            assertThat(OtlpReceiver.hex(server.span().getLinks(0).getTraceId())).isEqualTo(TRACE);
            assertThat(OtlpReceiver.hex(server.span().getLinks(0).getSpanId())).isEqualTo(PARENT);

            Received got = upstream.last();
            assertThat(got.header("traceparent")).isEqualTo("00-" + server.traceId() + "-" + client.spanId() + "-01");
            assertThat(got.header("tracestate")).isNull();
        }

        @Test
        void everyRetryIsASpanOfItsOwnAndCarriesItsOwnContext() {
            AtomicInteger calls = new AtomicInteger();
            upstream.behave(r -> calls.incrementAndGet() <= 2 ? Reply.status(503) : Reply.ok());
            assertThat(app.get("/flaky").statusCode()).isEqualTo(200);

            List<OtlpReceiver.Received> spans = await(receiver, s -> s.size() >= 4);
            OtlpReceiver.Received server = only(spans, s -> s.kind() == SpanKind.SPAN_KIND_SERVER);
            assertThat(server.name()).isEqualTo("file/flaky");
            List<OtlpReceiver.Received> attempts = spans.stream().filter(s -> s.kind() == SpanKind.SPAN_KIND_CLIENT)
                    .sorted(Comparator.comparing(s -> s.attribute("isthmus.attempt"))).toList();
            assertThat(attempts).extracting(s -> s.attribute("isthmus.attempt")).containsExactly("1", "2", "3");
            assertThat(attempts).extracting(s -> s.attribute("http.response.status_code")).containsExactly("503", "503", "200");
            assertThat(attempts).allSatisfy(a -> assertThat(a.parentSpanId()).isEqualTo(server.spanId()));
            assertThat(attempts.get(2).attribute("http.request.resend_count")).isEqualTo("2");

            // each attempt reached the upstream with its own span as the parent
            assertThat(upstream.received()).extracting(x -> x.header("traceparent")).containsExactly(
                    attempts.stream().map(a -> "00-" + server.traceId() + "-" + a.spanId() + "-01").toArray(String[]::new));
        }

        @Test
        void aRequestNoRouteAnswersIsASpanNamedNone() {
            assertThat(app.get("/nothing-here").statusCode()).isEqualTo(404);

            OtlpReceiver.Received server = only(await(receiver, s -> !s.isEmpty()), s -> s.kind() == SpanKind.SPAN_KIND_SERVER);
            assertThat(server.name()).isEqualTo("none");
            assertThat(server.attribute("isthmus.route")).isEqualTo("none");
            assertThat(server.attribute("http.response.status_code")).isEqualTo("404");
            assertThat(upstream.count()).isZero();
        }

        @Test
        void theAccessLogCarriesTheTraceId() {
            assertThat(app.get("/traced/log").statusCode()).isEqualTo(200);
            OtlpReceiver.Received server = only(await(receiver, s -> s.size() >= 2), s -> s.kind() == SpanKind.SPAN_KIND_SERVER);

            assertThat(Await.until(Duration.ofSeconds(5), () -> !accessLog.list.isEmpty())).isTrue();
            ILoggingEvent event = accessLog.list.get(0);
            assertThat(event.getFormattedMessage()).isEqualTo("GET /traced/log 200 " + event.getArgumentArray()[3] + "ms trace=" + server.traceId());
            assertThat(event.getKeyValuePairs()).anySatisfy(kv -> {
                assertThat(kv.key).isEqualTo("traceId");
                assertThat(kv.value).isEqualTo(server.traceId());
            });
        }
    }

    /** Sampling: management.tracing.sampling.probability 0 exports nothing, yet the trace id still travels and is logged. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class SampledOut {

        OtlpReceiver receiver;
        GatewayApp app;

        @BeforeAll
        void start() {
            receiver = OtlpReceiver.start();
            app = GatewayApp.start(ROUTES.formatted(upstream.url()), tracingOn(receiver, 0.0));
        }

        @AfterAll
        void stop() {
            app.close();
            receiver.close();
        }

        @Test
        void nothingIsExportedButTheUpstreamStillGetsAnUnsampledContext() throws Exception {
            upstream.reset();
            upstream.behave(r -> Reply.ok());
            for (int i = 0; i < 5; i++) {
                assertThat(app.get("/traced/" + i).statusCode()).isEqualTo(200);
            }
            // a trusted proxy's sampled flag is the decision (parent-based sampling)
            assertThat(getFromTrustedProxy(app, "/traced/sampled", "traceparent: 00-" + TRACE + "-" + PARENT + "-01")).isEqualTo(200);

            List<OtlpReceiver.Received> spans = await(receiver, s -> s.size() >= 2);
            assertThat(spans).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(TRACE));
            assertThat(upstream.received()).hasSize(6);
            assertThat(upstream.received().subList(0, 5)).allSatisfy(x -> assertThat(x.header("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00"));
            Thread.sleep(500); // two more export periods: still only the sampled request's spans
            assertThat(receiver.spans()).hasSize(2);
            assertThat(receiver.errors()).isEmpty();
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Off {

        GatewayApp app;

        @BeforeAll
        void start() {
            app = GatewayApp.start(ROUTES.formatted(upstream.url()), Map.of("isthmus.server.trusted-proxies", "127.0.0.2/32"));
        }

        @AfterAll
        void stop() {
            app.close();
        }

        @Test
        void thereIsNoTracerAndTheClientsTraceContextPassesThroughUntouched() throws IOException {
            assertThat(app.context().getBeanNamesForType(RequestTracing.class)).isEmpty();
            assertThat(app.context().getBeanNamesForType(ServerSpanWebFilter.class)).isEmpty();
            assertThat(app.context().getBeanNamesForType(UpstreamSpanFilter.class)).isEmpty();
            assertThat(app.context().getBeanNamesForType(TraceContextHeadersFilter.class)).isEmpty();
            assertThat(app.context().getBeanNamesForType(io.opentelemetry.sdk.trace.SdkTracerProvider.class)).isEmpty();
            assertThat(app.bean(Tracer.class)).isSameAs(Tracer.NOOP);

            upstream.reset();
            upstream.behave(r -> Reply.ok());
            String traceparent = "00-" + TRACE + "-" + PARENT + "-01";
            assertThat(getFromTrustedProxy(app, "/traced/off", "traceparent: " + traceparent, "tracestate: vendor=x")).isEqualTo(200);
            assertThat(upstream.last().header("traceparent")).isEqualTo(traceparent);
            assertThat(upstream.last().header("tracestate")).isEqualTo("vendor=x");
            assertThat(app.admin("/actuator/info").body()).contains("\"tracing\":false");
        }
    }
}
