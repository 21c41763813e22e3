package dev.isthmus.config;

import io.fabric8.kubernetes.client.KubernetesClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.isthmus.discovery.ServiceRegistry;
import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.platform.GatewayIdentity;
import dev.isthmus.platform.kubernetes.ReplicaIdentity;
import dev.isthmus.runtime.auth.CredentialStore;
import dev.isthmus.source.kubernetes.ConfigMapRouteSource;
import dev.isthmus.source.kubernetes.GatewayClassSelector;
import dev.isthmus.source.kubernetes.GatewayRouteSource;
import dev.isthmus.status.RouteEventRecorder;
import dev.isthmus.status.GatewayRouteStatusWriter;
import dev.isthmus.status.StatusWriterElection;

/**
 * Route status written back to Kubernetes (GatewayRoute status, ConfigMap Events) by the one
 * replica elected on a Lease ({@code isthmus.kubernetes.status-writer}, on by default), with the
 * Kubernetes integration. Every {@link StatusWriterElection.Leadership} bean (the Gateway API's
 * status writer of {@link GatewayApiAutoConfiguration} too) follows the one election.
 */
@AutoConfiguration(after = KubernetesAutoConfiguration.class)
@ConditionalOnProperty(name = "isthmus.kubernetes.enabled", havingValue = "true")
@EnableConfigurationProperties(IsthmusProperties.class)
public class KubernetesStatusAutoConfiguration {

    @Bean
    ReplicaIdentity isthmusReplicaIdentity() {
        return ReplicaIdentity.generate();
    }

    @Bean(destroyMethod = "close")
    GatewayRouteStatusWriter gatewayRouteStatusWriter(KubernetesClient client, GatewayRouteSource routes, ConfigMapRouteSource configMaps,
            ServiceResolver resolver, ObjectProvider<ServiceRegistry> registries, ReplicaIdentity identity,
            ObjectProvider<CredentialStore> credentials) {
        GatewayRouteStatusWriter writer = new GatewayRouteStatusWriter(client, routes,
                new RouteEventRecorder(client, configMaps, routes, identity.value()), resolver);
        registries.orderedStream().forEach(r -> r.addChangeListener(writer::discoveryChanged));
        credentials.ifAvailable(store -> {
            writer.credentialProblems(store::problem);
            store.onChange(writer::discoveryChanged);
        });
        return writer;
    }

    @Bean
    @ConditionalOnProperty(name = "isthmus.kubernetes.status-writer", havingValue = "true", matchIfMissing = true)
    StatusWriterElection statusWriterElection(KubernetesClient client, IsthmusProperties properties,
            ObjectProvider<StatusWriterElection.Leadership> writers, ReplicaIdentity replica, GatewayIdentity gateway) {
        IsthmusProperties.Kubernetes k = properties.getKubernetes();
        // one writer per kind of status (GatewayRoutes and ConfigMap Events, the Gateway API's objects), all on the one Lease
        var all = writers.orderedStream().toList();
        return new StatusWriterElection(client, leaseNamespace(k, gateway), leaseName(k), replica.value(), k.getLeaseDuration(),
                leader -> all.forEach(w -> w.leadershipChanged(leader)));
    }

    /** Default: the gateway's own namespace ({@link GatewayIdentity}). */
    static String leaseNamespace(IsthmusProperties.Kubernetes k, GatewayIdentity gateway) {
        return k.getLeaseNamespace() != null && !k.getLeaseNamespace().isBlank() ? k.getLeaseNamespace() : gateway.namespace();
    }

    /**
     * Gateways of different classes serve different routes, so each class elects its own writer:
     * the default Lease name gets the class as a suffix. An explicitly set name is used as is.
     */
    static String leaseName(IsthmusProperties.Kubernetes k) {
        String name = k.getLeaseName() == null || k.getLeaseName().isBlank() ? IsthmusProperties.Kubernetes.DEFAULT_LEASE_NAME : k.getLeaseName();
        String gatewayClass = new GatewayClassSelector(k.getGatewayClass()).gatewayClass();
        return name.equals(IsthmusProperties.Kubernetes.DEFAULT_LEASE_NAME) && gatewayClass != null ? name + "-" + gatewayClass : name;
    }
}
