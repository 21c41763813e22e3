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
import dev.isthmus.platform.GatewayIdentity;
import dev.isthmus.source.RouteSource;
import dev.isthmus.platform.kubernetes.WatchMonitor;
import dev.isthmus.status.GatewayRouteStatusWriter;
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
            .withUserConfiguration(Pipeline.class)
            .withConfiguration(AutoConfigurations.of(OwnershipAutoConfiguration.class, KubernetesAutoConfiguration.class, KubernetesStatusAutoConfiguration.class,
                    KubernetesCommonsAutoConfiguration.class, Fabric8AutoConfiguration.class));

    @Test
    void offByDefaultNothingKubernetesExists() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(KubernetesClient.class);
            assertThat(ctx).doesNotHaveBean(RouteSource.class);
            assertThat(ctx).doesNotHaveBean(ServiceRegistry.class);
            assertThat(ctx).doesNotHaveBean(StatusWriterElection.class);
            assertThat(ctx).doesNotHaveBean(WatchMonitor.class);
            assertThat(ctx).doesNotHaveBean(GatewayIdentity.class);
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
                    assertThat(ctx).getBeans(RouteSource.class).containsOnlyKeys("gatewayRouteSource", "configMapRouteSource", "referenceGrantSource");
                    assertThat(ctx).hasSingleBean(ServiceRegistry.class);
                    Config config = ctx.getBean(KubernetesClient.class).getConfiguration();
                    assertThat(config.getMasterUrl()).isEqualTo("https://127.0.0.1:1/");
                    assertThat(config.getNamespace()).isEqualTo("gateway-ns");
                    assertThat(config.getRequestTimeout()).isEqualTo((int) Duration.ofSeconds(7).toMillis());
                    assertThat(config.getWatchReconnectInterval()).isEqualTo(250);
                    IsthmusProperties.Kubernetes k = ctx.getBean(IsthmusProperties.class).getKubernetes();
                    assertThat(ctx.getBean(GatewayIdentity.class).namespace()).as("the gateway's own namespace, decided once")
                            .isEqualTo("gateway-ns");
                    assertThat(KubernetesStatusAutoConfiguration.leaseNamespace(k, ctx.getBean(GatewayIdentity.class))).isEqualTo("gateway-ns");
                    assertThat(KubernetesStatusAutoConfiguration.leaseName(k)).as("each gateway class elects its own writer")
                            .isEqualTo("isthmus-status-writer-public");
                    assertThat(ctx.getBean(KubernetesClientProperties.class).masterUrl()).isEqualTo("https://127.0.0.1:1");
                });
    }

    @Test
    void anApplicationsOwnClientReplacesTheGatewaysAndTheStatusWriterCanBeOff() {
        KubernetesClient own = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl("https://127.0.0.1:1").withNamespace("own-ns").build())
                .build();
        runner.withPropertyValues("isthmus.kubernetes.enabled=true", "isthmus.kubernetes.status-writer=false",
                "spring.cloud.kubernetes.client.master-url=https://127.0.0.1:1")
                .withBean("ownClient", KubernetesClient.class, () -> own)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).getBean(KubernetesClient.class).isSameAs(own);
                    assertThat(ctx).doesNotHaveBean(StatusWriterElection.class);
                    assertThat(ctx).hasSingleBean(GatewayRouteStatusWriter.class);
                });
        own.close();
    }

    @Test
    void theLeaseNamespaceCanBeSetApartFromTheGatewaysOwn() {
        IsthmusProperties.Kubernetes k = new IsthmusProperties.Kubernetes();
        k.setLeaseNamespace("leases");
        assertThat(KubernetesStatusAutoConfiguration.leaseNamespace(k, new GatewayIdentity("gw", "test"))).isEqualTo("leases");
        k.setLeaseNamespace(" ");
        assertThat(KubernetesStatusAutoConfiguration.leaseNamespace(k, new GatewayIdentity("gw", "test"))).isEqualTo("gw");
        k.setLeaseName("mine");
        k.setGatewayClass("public");
        assertThat(KubernetesStatusAutoConfiguration.leaseName(k)).as("an explicit name is used as is").isEqualTo("mine");
    }
}
