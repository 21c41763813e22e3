package dev.isthmus.config;

import java.util.List;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.context.annotation.Bean;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.discovery.CompositeServiceResolver;
import dev.isthmus.discovery.ConcurrencyLimiter;
import dev.isthmus.discovery.IsthmusDiscoveryClient;
import dev.isthmus.discovery.OutlierDetector;
import dev.isthmus.discovery.ServiceRegistry;
import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.runtime.filter.BackendSelectionFilter;
import dev.isthmus.runtime.filter.IdleTimeoutNettyRoutingFilter;
import dev.isthmus.runtime.filter.GzipResponseFilter;
import dev.isthmus.runtime.filter.RequestBodyLimitFilter;
import dev.isthmus.runtime.filter.UpstreamForwardedHeadersFilter;
import dev.isthmus.runtime.upstream.UpstreamClients;
import dev.isthmus.runtime.upstream.UpstreamTlsContexts;

/**
 * From a compiled backend to an upstream connection: the composite resolver over whichever
 * registries are enabled ({@code isthmus.discovery.policy}), passive health checking, the
 * per-upstream bulkhead, instance selection and the routing filter. Before
 * {@link GatewayAutoConfiguration}, whose routing filter is switched off in application.yaml and
 * replaced here.
 */
@AutoConfiguration(before = GatewayAutoConfiguration.class)
@EnableConfigurationProperties(IsthmusProperties.class)
public class UpstreamAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    OutlierDetector outlierDetector(IsthmusProperties properties) {
        var u = properties.getUpstream();
        return new OutlierDetector(u.getConsecutiveFailures(), u.getBaseEjectionTime(), u.getMaxEjectionPercent());
    }

    /**
     * Kubernetes and Consul registries are beans of their own auto-configurations when enabled;
     * the composite resolver picks between them by {@code isthmus.discovery.policy}.
     */
    @Bean
    @ConditionalOnMissingBean
    CompositeServiceResolver serviceResolver(IsthmusProperties properties, ObjectProvider<ServiceRegistry> registries) {
        ServiceRegistry kubernetes = null;
        ServiceRegistry consul = null;
        for (ServiceRegistry r : registries.orderedStream().toList()) {
            if (r.kind() == BackendTarget.Registry.KUBERNETES) {
                kubernetes = r;
            }
            else if (r.kind() == BackendTarget.Registry.CONSUL) {
                consul = r;
            }
        }
        return new CompositeServiceResolver(properties.getDiscovery().getPolicy(), kubernetes, consul);
    }

    @Bean
    @ConditionalOnMissingBean
    IsthmusDiscoveryClient isthmusDiscoveryClient(CompositeServiceResolver resolver, CompileSettings settings) {
        return new IsthmusDiscoveryClient(resolver, settings.defaultNamespace());
    }

    @Bean
    ReactiveDiscoveryClient isthmusReactiveDiscoveryClient(IsthmusDiscoveryClient client) {
        return client.reactive();
    }

    @Bean
    @ConditionalOnMissingBean
    ConcurrencyLimiter upstreamConcurrencyLimiter(IsthmusProperties properties) {
        return new ConcurrencyLimiter(properties.getUpstream().getMaxConcurrentRequests());
    }

    /** Backends' own TLS contexts, reloaded as their files and Secrets change. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    UpstreamTlsContexts upstreamTlsContexts(IsthmusProperties properties, ObjectProvider<KubernetesClient> kubernetes) {
        var t = properties.getUpstream().getTls();
        KubernetesClient client = properties.getKubernetes().isEnabled() ? kubernetes.getIfAvailable() : null;
        return new UpstreamTlsContexts(KubernetesSecretReader.of(client),
                new UpstreamTlsContexts.Defaults(t.getCaFile(), t.getClientCertificateFile(), t.getClientKeyFile()), t.getReloadInterval());
    }

    /** One Reactor Netty client per backend protocol and TLS setting, derived from Spring Cloud Gateway's. */
    @Bean
    @ConditionalOnMissingBean
    UpstreamClients upstreamClients(HttpClient httpClient, DestinationGuard guard, UpstreamTlsContexts contexts,
            ObjectProvider<MeterRegistry> meters) {
        return new UpstreamClients(httpClient, guard, contexts, meters.getIfAvailable());
    }

    @Bean
    BackendSelectionFilter backendSelectionFilter(ServiceResolver resolver, OutlierDetector outliers, ConcurrencyLimiter bulkhead,
            UpstreamClients clients) {
        return new BackendSelectionFilter(resolver, outliers, bulkhead, clients);
    }

    /**
     * Replaces Spring Cloud Gateway's routing filter (disabled in application.yaml) to add idle
     * timeouts and connect through the destination rules' resolver.
     */
    @Bean
    IdleTimeoutNettyRoutingFilter routingFilter(HttpClient httpClient, ObjectProvider<List<HttpHeadersFilter>> headersFilters,
            HttpClientProperties properties, UpstreamClients clients) {
        return new IdleTimeoutNettyRoutingFilter(httpClient, headersFilters, properties, clients);
    }

    /** 413 over the route's maxRequestBody or isthmus.routes.max-request-body, on every route. */
    @Bean
    RequestBodyLimitFilter requestBodyLimitFilter(IsthmusProperties properties) {
        return new RequestBodyLimitFilter(properties.getRoutes().getMaxRequestBody().toBytes());
    }

    /** gzip of the responses of routes with compression: true. */
    @Bean
    GzipResponseFilter gzipResponseFilter() {
        return new GzipResponseFilter();
    }

    /** X-Forwarded-* and Forwarded to upstreams, from the trusted client address. */
    @Bean
    UpstreamForwardedHeadersFilter upstreamForwardedHeadersFilter() {
        return new UpstreamForwardedHeadersFilter();
    }

    /** Spring Cloud Gateway registers it only with its own routing filter enabled. */
    @Bean
    @ConditionalOnMissingBean
    NettyWriteResponseFilter nettyWriteResponseFilter(GatewayProperties properties, ObjectProvider<List<HttpHeadersFilter>> headersFilters) {
        return new NettyWriteResponseFilter(properties.getStreamingMediaTypes(), headersFilters);
    }
}
