package dev.isthmus.config;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * When tracing is on: {@code management.opentelemetry.tracing.export.otlp.endpoint} is set (and
 * {@code management.tracing.export.enabled} is not false). Also accepts Spring Boot 3's name of
 * the endpoint, {@code management.otlp.tracing.endpoint}, which Boot 4 no longer reads (its
 * metadata marks it an error): as an environment post-processor, copies it to the new name when
 * only the old one is set, so a configuration written for Boot 3 does not silently trace nothing.
 */
public final class TracingSettings implements EnvironmentPostProcessor, Ordered {

    public static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";
    static final String BOOT3_ENDPOINT = "management.otlp.tracing.endpoint";

    static boolean enabled(Environment environment) {
        if (environment == null) {
            return false;
        }
        String endpoint = environment.getProperty(ENDPOINT);
        return endpoint != null && !endpoint.isBlank()
                && environment.getProperty("management.tracing.export.enabled", Boolean.class, true)
                && environment.getProperty("management.tracing.export.otlp.enabled", Boolean.class, true);
    }

    /** Matches when tracing is on ({@link #enabled}). */
    static final class On extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return enabled(context.getEnvironment()) ? ConditionOutcome.match("tracing on: " + ENDPOINT + " set")
                    : ConditionOutcome.noMatch("tracing off: no " + ENDPOINT + ", or management.tracing.export[.otlp].enabled=false");
        }
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String old = environment.getProperty(BOOT3_ENDPOINT);
        if (old != null && !old.isBlank() && environment.getProperty(ENDPOINT) == null) {
            environment.getPropertySources().addLast(new MapPropertySource("isthmusTracingEndpointAlias", Map.of(ENDPOINT, old)));
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after application.yaml and every other source are in
    }
}
