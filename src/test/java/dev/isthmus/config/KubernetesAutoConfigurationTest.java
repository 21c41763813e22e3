package dev.isthmus.config;

import java.time.Duration;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.kubernetes.commons.KubernetesClientProperties;
import org.springframework.cloud.kubernetes.commons.KubernetesCommonsAutoConfiguration;
import org.springframework.cloud.kubernetes.fabric8.Fabric8AutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.isthmus.compile.CompileSettings;
import dev.isthmus.config.IsthmusProperties;
import dev.isthmus.discovery.ServiceRegistry;
import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.source.RouteSource;
import dev.isthmus.platform.kubernetes.WatchMonitor;
import dev.isthmus.status.StatusWriterElection;

import static org.assertj.core.api.Assertions.assertThat;

/** What exists with the integration off (nothing) and how the client is configured when on. */
class KubernetesAutoConfigurationTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(IsthmusProperties.class)
    static class Pipeline {
        @Bean
        CompileSettings compileSettings() {
            return CompileSettings.DEFAULTS;
        }

        @Bean
        ServiceResolver serviceResolver() {
            return ServiceResolver.NONE;
        }
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Pipeline.class, KubernetesAutoConfiguration.class)
            .withConfiguration(AutoConfigurations.of(KubernetesCommonsAutoConfiguration.class, Fabric8AutoConfiguration.class));

    @Test
    void offByDefaultNothingKubernetesExists() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(KubernetesClient.class);
            assertThat(ctx).doesNotHaveBean(RouteSource.class);
            assertThat(ctx).doesNotHaveBean(ServiceRegistry.class);
            assertThat(ctx).doesNotHaveBean(StatusWriterElection.class);
            assertThat(ctx).doesNotHaveBean(WatchMonitor.class);
        });
        runner.withPropertyValues("isthmus.kubernetes.enabled=false").run(ctx -> assertThat(ctx).doesNotHaveBean(KubernetesClient.class));
    }

    @Test
    void onItBuildsItsClientFromSpringCloudKubernetesSettingsOutsideAPod() {
        runner.withPropertyValues("isthmus.kubernetes.enabled=true",
                // loopback port 1: nothing listens, so the leader election's first attempt fails fast and never leaves the host
                "spring.cloud.kubernetes.client.master-url=https://127.0.0.1:1",
                "spring.cloud.kubernetes.client.namespace=gateway-ns",
                "spring.cloud.kubernetes.client.request-timeout=7s",
                "spring.cloud.kubernetes.client.watch-reconnect-interval=250ms",
                "isthmus.kubernetes.gateway-class=public")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).hasSingleBean(KubernetesClient.class);
                    assertThat(ctx).getBeans(RouteSource.class).containsOnlyKeys("gatewayRouteSource", "configMapRouteSource");
                    assertThat(ctx).hasSingleBean(ServiceRegistry.class);
                    Config config = ctx.getBean(KubernetesClient.class).getConfiguration();
                    assertThat(config.getMasterUrl()).isEqualTo("https://127.0.0.1:1/");
                    assertThat(config.getNamespace()).isEqualTo("gateway-ns");
                    assertThat(config.getRequestTimeout()).isEqualTo((int) Duration.ofSeconds(7).toMillis());
                    assertThat(config.getWatchReconnectInterval()).isEqualTo(250);
                    IsthmusProperties.Kubernetes k = ctx.getBean(IsthmusProperties.class).getKubernetes();
                    assertThat(KubernetesAutoConfiguration.leaseNamespace(k, ctx.getBean(KubernetesClient.class))).isEqualTo("gateway-ns");
                    assertThat(KubernetesAutoConfiguration.leaseName(k)).as("each gateway class elects its own writer")
                            .isEqualTo("isthmus-status-writer-public");
                    assertThat(ctx.getBean(KubernetesClientProperties.class).masterUrl()).isEqualTo("https://127.0.0.1:1");
                });
    }
}
