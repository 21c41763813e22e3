package dev.isthmus.config;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import dev.isthmus.admin.AccessLogWebFilter;
import dev.isthmus.admin.AuthEndpoint;
import dev.isthmus.admin.BoundedMethodTagsProvider;
import dev.isthmus.admin.GatewayInfoContributor;
import dev.isthmus.admin.GatewayMetrics;
import dev.isthmus.admin.RequestMetrics;
import dev.isthmus.admin.UpstreamTagsProvider;
import dev.isthmus.admin.RoutesEndpoint;
import dev.isthmus.admin.RoutingHealthIndicator;
import dev.isthmus.admin.SourcesEndpoint;
import dev.isthmus.admin.UpstreamsEndpoint;
import dev.isthmus.discovery.CompositeServiceResolver;
import dev.isthmus.discovery.ConcurrencyLimiter;
import dev.isthmus.discovery.OutlierDetector;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.runtime.auth.CredentialStore;
import dev.isthmus.runtime.auth.JwksRegistry;
import dev.isthmus.runtime.upstream.UpstreamClients;
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
            CircuitBreakerRegistry breakers, UpstreamClients clients) {
        return new UpstreamsEndpoint(tables, resolver, outliers, breakers, clients);
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

    /** The isthmus part of /actuator/info (versions, sources, tracing); build and git are Spring Boot's contributors. */
    @Bean
    GatewayInfoContributor gatewayInfoContributor(RouteSources sources, Environment environment) {
        return new GatewayInfoContributor(sources, TracingSettings.enabled(environment));
    }

    @Bean
    GatewayMetrics gatewayMetrics(RouteTableHolder tables, RouteSources sources, OutlierDetector outliers, ConcurrencyLimiter bulkhead) {
        return new GatewayMetrics(tables, sources, outliers, bulkhead);
    }

    /** isthmus.requests: every request the gateway port answers (also told of the transport's own answers). */
    @Bean
    RequestMetrics requestMetrics(MeterRegistry registry, ManagementPort managementPort) {
        return new RequestMetrics(registry, managementPort);
    }

    /** The upstream (service, never instance) tag of spring.cloud.gateway.requests, and a routeUri that says where the route sends. */
    @Bean
    UpstreamTagsProvider upstreamTagsProvider() {
        return new UpstreamTagsProvider();
    }

    /**
     * Spring Cloud Gateway's spring.cloud.gateway.routes.count counts its route definitions, which
     * Isthmus does not use: it would read 0 whatever is served. Not exported; isthmus.routes counts
     * the routes served, per source and owner.
     */
    @Bean
    MeterFilter scgRouteDefinitionCountFilter() {
        return MeterFilter.deny(id -> id.getName().equals("spring.cloud.gateway.routes.count"));
    }
}
