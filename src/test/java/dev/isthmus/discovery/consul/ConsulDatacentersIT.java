package dev.isthmus.discovery.consul;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.model.SyncStatus.State;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;

import static dev.isthmus.discovery.consul.ConsulTestSupport.routeStatus;
import static dev.isthmus.discovery.consul.ConsulTestSupport.sourceStatus;
import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code isthmus.consul.datacenters}: each listed datacenter is watched on its own; one the agent
 * cannot reach is reported as such while the others serve; unqualified names use the first.
 */
class ConsulDatacentersIT {

    @Test
    void listedDatacentersAreWatchedAndAnUnknownOneIsReportedWithoutHarmingTheOthers() throws Exception {
        try (ConsulServer consul = ConsulServer.start(); EchoServer a = EchoServer.start("a");
                GatewayApp gateway = GatewayApp.start("""
                        routes:
                          - name: default-dc
                            match: {path: {prefix: /default/}}
                            backends: [{service: "consul:web"}]
                          - name: elsewhere
                            match: {path: {prefix: /elsewhere/}}
                            backends: [{service: "consul:nowhere/web"}]
                        """, ConsulTestSupport.gatewayProperties(consul, "isthmus.consul.datacenters", "dc1,nowhere"))) {
            consul.register("web-1", "web", "127.0.0.1", a.port(), List.of("isthmus.enable=true"), Map.of(), null);

            assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(gateway.get("/default/")).equals("a"))).isTrue();
            assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(gateway.get("/web/")).equals("a"))).isTrue();
            assertThat(routeStatus(gateway, "consul/dc1/web")).get().extracting(RouteStatus::accepted).isEqualTo(true);
            assertThat(gateway.get("/elsewhere/").statusCode()).isEqualTo(503);

            assertThat(sourceStatus(gateway).state()).isEqualTo(State.DEGRADED);
            assertThat(sourceStatus(gateway).lastError()).startsWith("nowhere: DATACENTER: ").contains("No path to datacenter");
            JsonNode health = new ObjectMapper().readTree(gateway.admin("/actuator/health/consulDiscovery").body());
            assertThat(health.at("/details/dc1/connected").asBoolean()).isTrue();
            assertThat(health.at("/details/nowhere/connected").asBoolean()).isFalse();
            assertThat(health.at("/details/nowhere/errorKind").asText()).isEqualTo("datacenter");
            assertThat(ConsulTestSupport.gauge(gateway, "isthmus.consul.connected", "datacenter", "dc1")).isEqualTo(1.0);
            assertThat(ConsulTestSupport.gauge(gateway, "isthmus.consul.connected", "datacenter", "nowhere")).isZero();
        }
    }
}
