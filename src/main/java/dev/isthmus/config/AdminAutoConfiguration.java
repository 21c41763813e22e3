package dev.isthmus.config;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

import dev.isthmus.admin.AccessLogWebFilter;
import dev.isthmus.admin.AuthEndpoint;
import dev.isthmus.admin.BoundedMethodTagsProvider;
import dev.isthmus.admin.GatewayMetrics;
import dev.isthmus.admin.RoutesEndpoint;
import dev.isthmus.admin.RoutingHealthIndicator;
import dev.isthmus.admin.SourcesEndpoint;
import dev.isthmus.admin.UpstreamsEndpoint;
import dev.isthmus.discovery.CompositeServiceResolver;
import dev.isthmus.discovery.OutlierDetector;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.runtime.auth.CredentialStore;
import dev.isthmus.runtime.auth.JwksRegistry;
import dev.isthmus.server.ManagementPort;
import dev.isthmus.source.RouteSources;

/**
 * Admin endpoints, the readiness check and the gateway's metrics (all served on the management
 * port). The diagnostics page is a management-context configuration
 * ({@code DiagnosticsPageConfiguration}), so it never exists in the main context.
 */
@AutoConfiguration(after = { RoutingAutoConfiguration.class, UpstreamAutoConfiguration.class, AuthAutoConfiguration.class })
public class AdminAutoConfiguration {

    @Bean
    RoutesEndpoint routesEndpoint(RouteTableHolder tables) {
        return new RoutesEndpoint(tables);
    }

    @Bean
    SourcesEndpoint sourcesEndpoint(RouteSources sources, RouteTableHolder tables) {
        return new SourcesEndpoint(sources, tables);
    }

    @Bean
    AuthEndpoint authEndpoint(JwksRegistry keys, CredentialStore credentials) {
        return new AuthEndpoint(keys, credentials);
    }

    @Bean
    UpstreamsEndpoint upstreamsEndpoint(RouteTableHolder tables, CompositeServiceResolver resolver, OutlierDetector outliers,
            CircuitBreakerRegistry breakers) {
        return new UpstreamsEndpoint(tables, resolver, outliers, breakers);
    }

    /** Health component "routing", part of the readiness group. */
    @Bean
    RoutingHealthIndicator routingHealthIndicator(RouteSources sources, RouteTableHolder tables) {
        return new RoutingHealthIndicator(sources, tables);
    }

    @Bean
    @ConditionalOnProperty("isthmus.access-log.enabled")
    AccessLogWebFilter accessLogWebFilter(ManagementPort managementPort) {
        return new AccessLogWebFilter(managementPort);
    }

    /** Bounded method tags on request meters (a random method is {@code _OTHER}). */
    @Bean
    BoundedMethodTagsProvider boundedMethodTagsProvider() {
        return new BoundedMethodTagsProvider();
    }

    @Bean
    GatewayMetrics gatewayMetrics(RouteTableHolder tables, RouteSources sources, OutlierDetector outliers) {
        return new GatewayMetrics(tables, sources, outliers);
    }
}
