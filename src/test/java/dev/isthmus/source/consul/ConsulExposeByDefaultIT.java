package dev.isthmus.source.consul;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;

import static dev.isthmus.discovery.consul.ConsulTestSupport.routeStatus;
import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code isthmus.consul.expose-by-default=true}: every service gets a route unless it opts out. */
class ConsulExposeByDefaultIT {

    static ConsulServer consul;
    static EchoServer a;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        consul = ConsulServer.start();
        a = EchoServer.start("a");
        gateway = GatewayApp.start(null, ConsulTestSupport.gatewayProperties(consul, "isthmus.consul.expose-by-default", "true"));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (a != null) {
            a.close();
        }
        if (consul != null) {
            consul.close();
        }
    }

    @Test
    void everyServiceIsRoutedExceptOptOutsAndConsulItself() {
        consul.register("plain-1", "plain", "127.0.0.1", a.port(), List.of(), Map.of(), null);
        consul.register("optout-1", "optout", "127.0.0.1", a.port(), List.of("isthmus.enable=false"), Map.of(), null);
        consul.register("tagged-1", "tagged", "127.0.0.1", a.port(), List.of("isthmus.path=/t/"), Map.of(), null);

        assertThat(Await.until(Duration.ofSeconds(5), () -> gateway.get("/plain/x").statusCode() == 200)).isTrue();
        assertThat(a.last().uri()).isEqualTo("/x");
        assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(gateway.get("/t/")).equals("a"))).isTrue();
        assertThat(routeStatus(gateway, "consul/dc1/plain")).get().extracting(RouteStatus::accepted).isEqualTo(true);

        assertThat(gateway.get("/optout/").statusCode()).isEqualTo(404);
        assertThat(routeStatus(gateway, "consul/dc1/optout")).isEmpty();
        // Consul's own servers register "consul" with their RPC port, which is not HTTP
        assertThat(gateway.get("/consul/").statusCode()).isEqualTo(404);
        assertThat(routeStatus(gateway, "consul/dc1/consul")).isEmpty();
    }
}
