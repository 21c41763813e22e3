package dev.isthmus.config;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

import dev.isthmus.runtime.filter.ServerSpanWebFilter;
import dev.isthmus.runtime.filter.TraceContextHeadersFilter;
import dev.isthmus.runtime.filter.UpstreamSpanFilter;
import dev.isthmus.runtime.trace.RequestTracing;
import dev.isthmus.server.ManagementPort;

/**
 * Request tracing, when {@code management.opentelemetry.tracing.export.otlp.endpoint} is set:
 * {@link RequestTracing} over Spring Boot's OpenTelemetry tracer (OTLP export, sampler
 * {@code management.tracing.sampling.probability}, W3C propagation), and the Spring Cloud Gateway
 * path's three hooks. Without the endpoint none of these beans exists, nor does Boot's tracer
 * ({@link TracingAutoConfigurationFilter}): the request path is the same as without tracing.
 */
@AutoConfiguration(after = OpenTelemetryTracingAutoConfiguration.class)
@Conditional(TracingSettings.On.class)
@ConditionalOnBean({ Tracer.class, Propagator.class })
@EnableConfigurationProperties(IsthmusProperties.class)
public class TracingAutoConfiguration {

    @Bean
    RequestTracing requestTracing(Tracer tracer, Propagator propagator, IsthmusProperties properties) {
        return new RequestTracing(tracer, propagator, properties.getTracing().getClientContext());
    }

    @Bean
    ServerSpanWebFilter serverSpanWebFilter(RequestTracing tracing, ManagementPort managementPort) {
        return new ServerSpanWebFilter(tracing, managementPort);
    }

    @Bean
    UpstreamSpanFilter upstreamSpanFilter() {
        return new UpstreamSpanFilter();
    }

    @Bean
    TraceContextHeadersFilter traceContextHeadersFilter(RequestTracing tracing) {
        return new TraceContextHeadersFilter(tracing.fields());
    }
}
