package dev.isthmus.config;

import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.kubernetes.commons.KubernetesCommonsAutoConfiguration;
import org.springframework.cloud.kubernetes.fabric8.Fabric8AutoConfiguration;

import dev.isthmus.source.RouteSource;
import dev.isthmus.source.gatewayapi.GatewayApiRouteSource;
import dev.isthmus.source.gatewayapi.GatewayApiSettings;
import dev.isthmus.source.gatewayapi.GatewayApiTranslator;
import dev.isthmus.status.GatewayApiStatusWriter;
import dev.isthmus.status.GatewayRouteStatusWriter;
import dev.isthmus.status.StatusWriterElection;

import static org.assertj.core.api.Assertions.assertThat;

/** The Gateway API source exists only when switched on, on top of the Kubernetes integration. */
class GatewayApiAutoConfigurationTest {

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(KubernetesAutoConfigurationTest.Pipeline.class)
            .withConfiguration(AutoConfigurations.of(OwnershipAutoConfiguration.class, KubernetesAutoConfiguration.class, KubernetesStatusAutoConfiguration.class,
                    GatewayApiAutoConfiguration.class, KubernetesCommonsAutoConfiguration.class, Fabric8AutoConfiguration.class))
            // loopback port 1: nothing listens, so the leader election's first attempt fails fast and never leaves the host
            .withPropertyValues("spring.cloud.kubernetes.client.master-url=https://127.0.0.1:1",
                    "spring.cloud.kubernetes.client.namespace=gateway-ns");

    @Test
    void offByDefaultEvenWithKubernetes() {
        runner.withPropertyValues("isthmus.kubernetes.enabled=true").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(GatewayApiRouteSource.class);
            assertThat(ctx).doesNotHaveBean(GatewayApiStatusWriter.class);
            assertThat(ctx).doesNotHaveBean(GatewayApiTranslator.class);
        });
        runner.withPropertyValues("isthmus.gateway-api.enabled=true").run(ctx -> {
            assertThat(ctx).as("nothing without isthmus.kubernetes.enabled").hasNotFailed();
            assertThat(ctx).doesNotHaveBean(GatewayApiRouteSource.class);
        });
    }

    @Test
    void onItIsAFifthSourceAndItsStatusWriterFollowsTheOneElection() {
        runner.withPropertyValues("isthmus.kubernetes.enabled=true", "isthmus.gateway-api.enabled=true",
                "isthmus.gateway-api.controller-name=example.com/gateways", "isthmus.gateway-api.https-port=443",
                "isthmus.gateway-api.tls-secrets=gateway-ns/wildcard")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).getBeans(RouteSource.class).containsOnlyKeys("gatewayRouteSource", "configMapRouteSource",
                            "referenceGrantSource", "gatewayApiRouteSource");
                    assertThat(ctx.getBean(GatewayApiTranslator.class).settings())
                            .isEqualTo(new GatewayApiSettings("example.com/gateways", 80, 443, Set.of("gateway-ns/wildcard")));
                    assertThat(ctx).hasSingleBean(StatusWriterElection.class);
                    assertThat(ctx).hasSingleBean(GatewayRouteStatusWriter.class);
                    assertThat(ctx).hasSingleBean(GatewayApiStatusWriter.class);
                    assertThat(ctx.getBeansOfType(StatusWriterElection.Leadership.class)).hasSize(2);
                });
    }

    @Test
    void anApplicationsOwnTranslatorReplacesTheGatewaysOwn() {
        GatewayApiTranslator own = new GatewayApiTranslator(new GatewayApiSettings("example.com/own", 8080, null, Set.of()));
        runner.withPropertyValues("isthmus.kubernetes.enabled=true", "isthmus.gateway-api.enabled=true")
                .withBean(GatewayApiTranslator.class, () -> own)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).getBean(GatewayApiTranslator.class).isSameAs(own);
                    assertThat(ctx.getBean(GatewayApiRouteSource.class).settings().controllerName()).isEqualTo("example.com/own");
                });
    }

    @Test
    void aDeploymentWithNoListenerPortFailsStartUp() {
        runner.withPropertyValues("isthmus.kubernetes.enabled=true", "isthmus.gateway-api.enabled=true", "isthmus.gateway-api.http-port=0")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).rootCause()
                            .hasMessageContaining("isthmus.gateway-api.http-port and https-port are both 0");
                });
    }
}
