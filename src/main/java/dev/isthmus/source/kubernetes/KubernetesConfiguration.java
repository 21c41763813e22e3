package dev.isthmus.source.kubernetes;

import java.time.Duration;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.kubernetes.commons.KubernetesClientProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.isthmus.compile.CompileSettings;
import dev.isthmus.config.IsthmusProperties;
import dev.isthmus.discovery.ServiceRegistry;
import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.discovery.kubernetes.KubernetesServiceRegistry;

/**
 * The Kubernetes integration, only with {@code isthmus.kubernetes.enabled=true} (otherwise nothing
 * here exists: no client, no thread, no connection attempt): GatewayRoute and ConfigMap route
 * sources, discovery from Services and EndpointSlices, and status write-back by the replica
 * elected on a Lease. The client connects with {@code spring.cloud.kubernetes.client.*}
 * (see {@link KubernetesClientFactory}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "isthmus.kubernetes.enabled", havingValue = "true")
@EnableConfigurationProperties(KubernetesClientProperties.class)
public class KubernetesConfiguration {

    private static final Logger log = LoggerFactory.getLogger(KubernetesConfiguration.class);
    private static final String DEFAULT_LEASE_NAME = "isthmus-status-writer";

    @Bean
    Config isthmusKubernetesClientConfig(KubernetesClientProperties properties) {
        return KubernetesClientFactory.config(properties);
    }

    @Bean(destroyMethod = "close")
    KubernetesClient isthmusKubernetesClient(Config config, IsthmusProperties properties) {
        IsthmusProperties.Kubernetes k = properties.getKubernetes();
        log.info("Kubernetes integration enabled: API server {}, watching {}, serving {}", config.getMasterUrl(),
                k.getNamespaces().isEmpty() ? "all namespaces" : "namespace(s) " + String.join(", ", k.getNamespaces()),
                new GatewayClassSelector(k.getGatewayClass()).describe());
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Bean(destroyMethod = "close")
    WatchMonitor kubernetesWatchMonitor() {
        return new WatchMonitor(Duration.ofMillis(250), Duration.ofSeconds(2));
    }

    @Bean
    KubernetesServiceRegistry kubernetesServiceRegistry(KubernetesClient client, IsthmusProperties properties, CompileSettings settings,
            WatchMonitor monitor) {
        return new KubernetesServiceRegistry(client, properties.getKubernetes().getNamespaces(), settings.defaultNamespace(), monitor);
    }

    @Bean
    GatewayRouteSource gatewayRouteSource(KubernetesClient client, IsthmusProperties properties, KubernetesServiceRegistry discovery,
            WatchMonitor monitor) {
        IsthmusProperties.Kubernetes k = properties.getKubernetes();
        return new GatewayRouteSource(client, k.getNamespaces(), new GatewayClassSelector(k.getGatewayClass()), discovery.synced(), monitor);
    }

    @Bean
    ConfigMapRouteSource configMapRouteSource(KubernetesClient client, IsthmusProperties properties, KubernetesServiceRegistry discovery,
            WatchMonitor monitor) {
        IsthmusProperties.Kubernetes k = properties.getKubernetes();
        return new ConfigMapRouteSource(client, k.getNamespaces(), new GatewayClassSelector(k.getGatewayClass()), discovery.synced(), monitor);
    }

    @Bean
    ReplicaIdentity isthmusReplicaIdentity() {
        return ReplicaIdentity.generate();
    }

    @Bean(destroyMethod = "close")
    GatewayRouteStatusWriter gatewayRouteStatusWriter(KubernetesClient client, GatewayRouteSource routes, ConfigMapRouteSource configMaps,
            ServiceResolver resolver, ObjectProvider<ServiceRegistry> registries, ReplicaIdentity identity) {
        GatewayRouteStatusWriter writer = new GatewayRouteStatusWriter(client, routes,
                new ConfigMapEventRecorder(client, configMaps, identity.value()), resolver);
        registries.orderedStream().forEach(r -> r.addChangeListener(writer::discoveryChanged));
        return writer;
    }

    @Bean
    @ConditionalOnProperty(name = "isthmus.kubernetes.status-writer", havingValue = "true", matchIfMissing = true)
    StatusWriterElection statusWriterElection(KubernetesClient client, IsthmusProperties properties,
            ObjectProvider<StatusWriterElection.Leadership> writers, ReplicaIdentity identity) {
        IsthmusProperties.Kubernetes k = properties.getKubernetes();
        // one writer per kind of status (GatewayRoutes, the Gateway API), all on the one Lease
        var all = writers.orderedStream().toList();
        return new StatusWriterElection(client, leaseNamespace(k, client), leaseName(k), identity.value(), k.getLeaseDuration(),
                leader -> all.forEach(w -> w.leadershipChanged(leader)));
    }

    /** Default: the gateway's own namespace (the service account's, or the kubeconfig context's), else 'default'. */
    static String leaseNamespace(IsthmusProperties.Kubernetes k, KubernetesClient client) {
        if (k.getLeaseNamespace() != null && !k.getLeaseNamespace().isBlank()) {
            return k.getLeaseNamespace();
        }
        String ns = client.getConfiguration().getNamespace();
        return ns == null || ns.isBlank() ? "default" : ns;
    }

    /**
     * Gateways of different classes serve different routes, so each class elects its own writer:
     * the default Lease name gets the class as a suffix. An explicitly set name is used as is.
     */
    static String leaseName(IsthmusProperties.Kubernetes k) {
        String name = k.getLeaseName() == null || k.getLeaseName().isBlank() ? DEFAULT_LEASE_NAME : k.getLeaseName();
        String gatewayClass = new GatewayClassSelector(k.getGatewayClass()).gatewayClass();
        return name.equals(DEFAULT_LEASE_NAME) && gatewayClass != null ? name + "-" + gatewayClass : name;
    }
}
