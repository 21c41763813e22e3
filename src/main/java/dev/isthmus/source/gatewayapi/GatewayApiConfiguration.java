package dev.isthmus.source.gatewayapi;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.isthmus.config.IsthmusProperties;
import dev.isthmus.discovery.kubernetes.KubernetesServiceRegistry;
import dev.isthmus.source.kubernetes.WatchMonitor;

/**
 * The Gateway API source, only with {@code isthmus.gateway-api.enabled=true} on top of the
 * Kubernetes integration ({@code isthmus.kubernetes.enabled=true}: its client, watched namespaces,
 * discovery and status-writer election). Off, nothing of it exists.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = { "isthmus.kubernetes.enabled", "isthmus.gateway-api.enabled" }, havingValue = "true")
@EnableConfigurationProperties(GatewayApiProperties.class)
public class GatewayApiConfiguration {

    private static final Logger log = LoggerFactory.getLogger(GatewayApiConfiguration.class);

    @Bean
    GatewayApiRouteSource gatewayApiRouteSource(KubernetesClient client, IsthmusProperties isthmus, GatewayApiProperties properties,
            KubernetesServiceRegistry discovery, WatchMonitor monitor) {
        GatewayApiSettings settings = properties.settings();
        if (settings.httpPort() == null && settings.httpsPort() == null) {
            throw new IllegalStateException("isthmus.gateway-api.http-port and https-port are both 0: no Gateway listener could ever be served");
        }
        String namespace = client.getConfiguration().getNamespace();
        namespace = namespace == null || namespace.isBlank() ? "default" : namespace;
        log.info("Gateway API enabled: controller {}, HTTP listeners on port {}, HTTPS listeners on port {}, certificates of {}",
                settings.controllerName(), settings.httpPort() == null ? "none" : settings.httpPort(),
                settings.httpsPort() == null ? "none" : settings.httpsPort(), settings.tlsSecrets());
        return new GatewayApiRouteSource(client, isthmus.getKubernetes().getNamespaces(), new GatewayApiTranslator(settings), properties.getAddresses(),
                namespace, properties.getServiceName(), discovery.synced(), monitor);
    }

    @Bean(destroyMethod = "close")
    GatewayApiStatusWriter gatewayApiStatusWriter(KubernetesClient client, GatewayApiRouteSource source) {
        return new GatewayApiStatusWriter(client, source);
    }
}
