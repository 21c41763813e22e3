package dev.isthmus.platform.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;

import org.springframework.cloud.kubernetes.commons.KubernetesClientProperties;
import org.springframework.cloud.kubernetes.fabric8.Fabric8AutoConfiguration;

/**
 * The fabric8 client configuration, from Spring Cloud Kubernetes' own settings
 * ({@code spring.cloud.kubernetes.client.*}, docs/design.md §3.5).
 * <p>
 * Spring Cloud Kubernetes builds its client only when Spring Boot detects the Kubernetes cloud
 * platform ({@code @ConditionalOnCloudPlatform(KUBERNETES)}: inside a pod). A gateway outside a
 * pod (a VM in front of the cluster, a developer machine, the tests) must reach the API server
 * too. Forcing {@code spring.main.cloud-platform=kubernetes} would do that, but it also switches
 * on everything else keyed to the platform, among it trusting {@code X-Forwarded-*} headers from
 * any client, which a gateway must not do by accident. So the client is built here whenever
 * {@code isthmus.kubernetes.enabled=true}, with Spring Cloud Kubernetes' own mapping of the
 * properties (its factory method, called directly, so both agree on every setting and default:
 * kubeconfig and service account discovery, then the properties on top), plus the watch
 * reconnect interval that mapping leaves out (the first backoff step after a lost watch; fabric8
 * doubles it, up to 32 times). In a pod, Spring Cloud Kubernetes sees this client and backs off
 * ({@code @ConditionalOnMissingBean}).
 */
public final class KubernetesClientFactory {

    private KubernetesClientFactory() {
    }

    public static Config config(KubernetesClientProperties properties) {
        Config base = new Fabric8AutoConfiguration().kubernetesClientConfig(properties);
        ConfigBuilder builder = new ConfigBuilder(base);
        if (properties.watchReconnectInterval() != null) {
            builder.withWatchReconnectInterval((int) properties.watchReconnectInterval().toMillis());
        }
        return builder.build();
    }
}
