package dev.isthmus.config;

import java.time.Duration;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.kubernetes.commons.KubernetesClientProperties;
import org.springframework.cloud.kubernetes.fabric8.Fabric8AutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.discovery.kubernetes.KubernetesServiceRegistry;
import dev.isthmus.platform.GatewayIdentity;
import dev.isthmus.platform.kubernetes.KubernetesClientFactory;
import dev.isthmus.platform.kubernetes.WatchMonitor;
import dev.isthmus.source.kubernetes.ConfigMapRouteSource;
import dev.isthmus.source.kubernetes.GatewayClassSelector;
import dev.isthmus.source.kubernetes.GatewayRouteSource;
import dev.isthmus.source.kubernetes.ReferenceGrantSource;

/**
 * The Kubernetes integration, only with {@code isthmus.kubernetes.enabled=true} (otherwise nothing
 * here exists: no client, no thread, no connection attempt): GatewayRoute and ConfigMap route
 * sources and discovery from Services and EndpointSlices; status write-back is
 * {@link KubernetesStatusAutoConfiguration}. The client connects with
 * {@code spring.cloud.kubernetes.client.*} (see {@link KubernetesClientFactory}).
 * <p>
 * Before Spring Cloud Kubernetes' {@link Fabric8AutoConfiguration}, whose {@code Config} and
 * {@code KubernetesClient} back off when these exist (in a pod, where it is active), and before
 * {@link RoutingAutoConfiguration}, whose {@link GatewayIdentity} backs off for this one.
 */
@AutoConfiguration(before = { Fabric8AutoConfiguration.class, RoutingAutoConfiguration.class })
@ConditionalOnProperty(name = "isthmus.kubernetes.enabled", havingValue = "true")
@EnableConfigurationProperties({ KubernetesClientProperties.class, IsthmusProperties.class, OwnershipProperties.class })
public class KubernetesAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(KubernetesAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    Config isthmusKubernetesClientConfig(KubernetesClientProperties properties) {
        return KubernetesClientFactory.config(properties);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    KubernetesClient isthmusKubernetesClient(Config config, IsthmusProperties properties) {
        IsthmusProperties.Kubernetes k = properties.getKubernetes();
        log.info("Kubernetes integration enabled: API server {}, watching {}, serving {}", config.getMasterUrl(),
                k.getNamespaces().isEmpty() ? "all namespaces" : "namespace(s) " + String.join(", ", k.getNamespaces()),
                new GatewayClassSelector(k.getGatewayClass()).describe());
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** The gateway's own namespace: the client's (service account, kubeconfig context or property). */
    @Bean
    @ConditionalOnMissingBean
    GatewayIdentity gatewayIdentity(Config config, Environment environment) {
        return GatewayIdentity.of(config.getNamespace(), environment);
    }

    @Bean(destroyMethod = "close")
    WatchMonitor kubernetesWatchMonitor() {
        return new WatchMonitor(Duration.ofMillis(250), Duration.ofSeconds(2));
    }

    @Bean
    KubernetesServiceRegistry kubernetesServiceRegistry(KubernetesClient client, IsthmusProperties properties, CompileSettings settings,
            WatchMonitor monitor, DestinationGuard guard) {
        return new KubernetesServiceRegistry(client, properties.getKubernetes().getNamespaces(), settings.defaultNamespace(), monitor, guard);
    }

    @Bean
    GatewayRouteSource gatewayRouteSource(KubernetesClient client, IsthmusProperties properties, KubernetesServiceRegistry discovery,
            WatchMonitor monitor) {
        IsthmusProperties.Kubernetes k = properties.getKubernetes();
        return new GatewayRouteSource(client, k.getNamespaces(), new GatewayClassSelector(k.getGatewayClass()), discovery.synced(), monitor);
    }

    /** The Gateway API's ReferenceGrants as cross-namespace permissions, unless isthmus.ownership.reference-grants=off. */
    @Bean
    @ConditionalOnProperty(name = "isthmus.ownership.reference-grants", havingValue = "auto", matchIfMissing = true)
    ReferenceGrantSource referenceGrantSource(KubernetesClient client, IsthmusProperties properties, WatchMonitor monitor) {
        return new ReferenceGrantSource(client, properties.getKubernetes().getNamespaces(), monitor);
    }

    @Bean
    ConfigMapRouteSource configMapRouteSource(KubernetesClient client, IsthmusProperties properties, OwnershipProperties ownership,
            KubernetesServiceRegistry discovery, WatchMonitor monitor) {
        IsthmusProperties.Kubernetes k = properties.getKubernetes();
        return new ConfigMapRouteSource(client, k.getNamespaces(), new GatewayClassSelector(k.getGatewayClass()), discovery.synced(), monitor,
                ownership.getQuotas().getConfigMapSize().toBytes());
    }
}
