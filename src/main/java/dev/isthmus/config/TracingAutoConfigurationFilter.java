package dev.isthmus.config;

import java.util.Set;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Keeps Spring Boot's tracing auto-configurations out of the context unless tracing is on, so that
 * with tracing off there is no tracer, span processor or exemplar sampler at all (Boot's
 * OpenTelemetry tracing configuration has no switch of its own: on the classpath, it would build
 * an SDK tracer and have the Prometheus registry ask it for the current span on every recorded
 * meter). With tracing on, two of them stay out as well: Micrometer Tracing's observation
 * handlers, since the gateway's spans come from {@code RequestTracing} and observations elsewhere
 * (a Redis command, a registry call) would only add root spans of their own; and the Prometheus
 * exemplars, since no span is ever in thread-local scope for them to find.
 * An {@link AutoConfigurationImportFilter} (Spring Boot's own conditions are ones), not
 * {@code spring.autoconfigure.exclude}, which a user's own exclusions would replace.
 */
public final class TracingAutoConfigurationFilter implements AutoConfigurationImportFilter, EnvironmentAware {

    private static final Set<String> TRACING = Set.of(
            "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration",
            "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.OtlpTracingAutoConfiguration",
            "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.zipkin.ZipkinWithOpenTelemetryTracingAutoConfiguration");

    private static final Set<String> NEVER = Set.of(
            "org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration",
            "org.springframework.boot.micrometer.tracing.autoconfigure.prometheus.PrometheusExemplarsAutoConfiguration");

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public boolean[] match(String[] candidates, AutoConfigurationMetadata metadata) {
        boolean on = TracingSettings.enabled(environment);
        boolean[] match = new boolean[candidates.length];
        for (int i = 0; i < candidates.length; i++) {
            String c = candidates[i];
            match[i] = c == null || !(NEVER.contains(c) || (!on && TRACING.contains(c)));
        }
        return match;
    }
}
