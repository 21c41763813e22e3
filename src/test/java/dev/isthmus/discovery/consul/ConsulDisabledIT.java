package dev.isthmus.discovery.consul;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.consul.ConsulClient;
import org.springframework.cloud.consul.ConsulProperties;

import dev.isthmus.discovery.CompositeServiceResolver;
import dev.isthmus.discovery.ServiceRegistry;
import dev.isthmus.source.RouteSource;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.platform.consul.ConsulCatalogWatcher;
import dev.isthmus.platform.consul.ConsulHttpClient;

import static org.assertj.core.api.Assertions.assertThat;

/** With {@code isthmus.consul.enabled} unset (the default), nothing of Consul exists or runs. */
class ConsulDisabledIT {

    @Test
    void nothingOfConsulStartsWhenItIsOff() {
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = GatewayApp.start("""
                routes:
                  - name: echo
                    match: {path: {prefix: /echo/}}
                    backends: [{url: "%s"}]
                """.formatted(a.url()))) {
            var ctx = gateway.context();
            assertThat(ctx.getBeansOfType(ConsulCatalogWatcher.class)).isEmpty();
            assertThat(ctx.getBeansOfType(ConsulHttpClient.class)).isEmpty();
            assertThat(ctx.getBeansOfType(ServiceRegistry.class)).isEmpty();
            assertThat(ctx.getBeansOfType(RouteSource.class).values()).extracting(RouteSource::id).doesNotContain("consul");
            // Spring Cloud Consul's own beans are off too (spring.cloud.consul.enabled follows isthmus.consul.enabled)
            assertThat(ctx.getBeansOfType(ConsulClient.class)).isEmpty();
            assertThat(ctx.getBeansOfType(ConsulProperties.class)).isEmpty();
            assertThat(gateway.bean(CompositeServiceResolver.class).consul()).isNull();
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .noneMatch(n -> n.startsWith("isthmus-consul"));
            assertThat(gateway.admin("/actuator/health").body()).doesNotContain("\"consulDiscovery\"").doesNotContain("\"consul\":");
            assertThat(gateway.get("/echo/").statusCode()).isEqualTo(200);
        }
    }
}
