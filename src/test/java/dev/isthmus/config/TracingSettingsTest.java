package dev.isthmus.config;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class TracingSettingsTest {

    static final String OTEL_TRACING = "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration";
    static final String OTLP = "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.OtlpTracingAutoConfiguration";
    static final String OBSERVATION_HANDLERS = "org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration";
    static final String EXEMPLARS = "org.springframework.boot.micrometer.tracing.autoconfigure.prometheus.PrometheusExemplarsAutoConfiguration";
    static final String NOOP = "org.springframework.boot.micrometer.tracing.autoconfigure.NoopTracerAutoConfiguration";
    static final String OTHER = "org.springframework.boot.autoconfigure.web.reactive.WebFluxAutoConfiguration";

    static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return env;
    }

    static boolean[] filter(StandardEnvironment env) {
        TracingAutoConfigurationFilter filter = new TracingAutoConfigurationFilter();
        filter.setEnvironment(env);
        return filter.match(new String[] { OTEL_TRACING, OTLP, OBSERVATION_HANDLERS, EXEMPLARS, NOOP, OTHER, null }, null);
    }

    @Test
    void offWithoutAnEndpoint() {
        StandardEnvironment env = environment(Map.of());
        assertThat(TracingSettings.enabled(env)).isFalse();
        // no tracer at all: only Micrometer's no-op tracer and everything unrelated stay
        assertThat(filter(env)).containsExactly(false, false, false, false, true, true, true);
    }

    @Test
    void onWithAnEndpointButWithoutObservationHandlersOrExemplars() {
        StandardEnvironment env = environment(Map.of(TracingSettings.ENDPOINT, "http://collector:4318/v1/traces"));
        assertThat(TracingSettings.enabled(env)).isTrue();
        assertThat(filter(env)).containsExactly(true, true, false, false, true, true, true);
    }

    @Test
    void bootsExportSwitchesTurnItOff() {
        assertThat(TracingSettings.enabled(environment(Map.of(TracingSettings.ENDPOINT, "http://c:4318/v1/traces",
                "management.tracing.export.enabled", "false")))).isFalse();
        assertThat(TracingSettings.enabled(environment(Map.of(TracingSettings.ENDPOINT, "http://c:4318/v1/traces",
                "management.tracing.export.otlp.enabled", "false")))).isFalse();
        assertThat(TracingSettings.enabled(environment(Map.of(TracingSettings.ENDPOINT, " ")))).isFalse();
    }

    @Test
    void springBoot3sEndpointNameStillWorks() {
        StandardEnvironment env = environment(Map.of(TracingSettings.BOOT3_ENDPOINT, "http://old:4318/v1/traces"));
        new TracingSettings().postProcessEnvironment(env, new SpringApplication());
        assertThat(env.getProperty(TracingSettings.ENDPOINT)).isEqualTo("http://old:4318/v1/traces");
        assertThat(TracingSettings.enabled(env)).isTrue();
    }

    @Test
    void theNewNameWinsOverTheOld() {
        StandardEnvironment env = environment(Map.of(TracingSettings.BOOT3_ENDPOINT, "http://old:4318/v1/traces",
                TracingSettings.ENDPOINT, "http://new:4318/v1/traces"));
        new TracingSettings().postProcessEnvironment(env, new SpringApplication());
        assertThat(env.getProperty(TracingSettings.ENDPOINT)).isEqualTo("http://new:4318/v1/traces");
    }
}
