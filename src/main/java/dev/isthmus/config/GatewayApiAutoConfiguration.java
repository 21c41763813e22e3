package dev.isthmus.config;

import java.util.Set;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.isthmus.discovery.kubernetes.KubernetesServiceRegistry;
import dev.isthmus.platform.GatewayIdentity;
import dev.isthmus.platform.kubernetes.WatchMonitor;
import dev.isthmus.source.gatewayapi.GatewayApiRouteSource;
import dev.isthmus.source.gatewayapi.GatewayApiSettings;
import dev.isthmus.source.gatewayapi.GatewayApiTranslator;
import dev.isthmus.status.GatewayApiStatusWriter;

/**
 * The Kubernetes Gateway API source and its status writer, only with
 * {@code isthmus.gateway-api.enabled=true} on top of the Kubernetes integration
 * ({@link KubernetesAutoConfiguration}: its client, watched namespaces, discovery and watch
 * monitor). The status writer stands on the one status-writer election of
 * {@link KubernetesStatusAutoConfiguration}. Off, nothing of it exists.
 */
@AutoConfiguration(after = KubernetesAutoConfiguration.class)
@ConditionalOnProperty(name = { "isthmus.kubernetes.enabled", "isthmus.gateway-api.enabled" }, havingValue = "true")
@EnableConfigurationProperties(IsthmusProperties.class)
public class GatewayApiAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(GatewayApiAutoConfiguration.class);

    /**
     * The translator for this deployment's controller name and data plane (replaceable, e.g. by
     * one with other settings).
     */
    @Bean
    @ConditionalOnMissingBean
    GatewayApiTranslator gatewayApiTranslator(IsthmusProperties properties) {
        IsthmusProperties.GatewayApi g = properties.getGatewayApi();
        if (g.getHttpPort() == 0 && g.getHttpsPort() == 0) {
            throw new IllegalStateException("isthmus.gateway-api.http-port and https-port are both 0: no Gateway listener could ever be served");
        }
        return new GatewayApiTranslator(new GatewayApiSettings(g.getControllerName(), g.getHttpPort() > 0 ? g.getHttpPort() : null,
                g.getHttpsPort() > 0 ? g.getHttpsPort() : null, Set.copyOf(g.getTlsSecrets())));
    }

    @Bean
    GatewayApiRouteSource gatewayApiRouteSource(KubernetesClient client, IsthmusProperties properties, GatewayApiTranslator translator,
            GatewayIdentity identity, KubernetesServiceRegistry discovery, WatchMonitor monitor) {
        IsthmusProperties.GatewayApi g = properties.getGatewayApi();
        GatewayApiSettings settings = translator.settings();
        log.info("Gateway API enabled: controller {}, HTTP listeners on port {}, HTTPS listeners on port {}, certificates of {}",
                settings.controllerName(), settings.httpPort() == null ? "none" : settings.httpPort(),
                settings.httpsPort() == null ? "none" : settings.httpsPort(), settings.tlsSecrets());
        return new GatewayApiRouteSource(client, properties.getKubernetes().getNamespaces(), translator, g.getAddresses(), identity.namespace(),
                g.getServiceName(), discovery.synced(), monitor);
    }

    @Bean(destroyMethod = "close")
    GatewayApiStatusWriter gatewayApiStatusWriter(KubernetesClient client, GatewayApiRouteSource source) {
        return new GatewayApiStatusWriter(client, source);
    }
}
