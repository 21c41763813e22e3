package dev.isthmus.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code management.server.port=0} the actuator's port is only known once its server starts.
 * A catch-all route must still not capture requests on it, and the gateway-port filters (path
 * normalization, host validation) must still stand aside there.
 */
class ManagementPortIT {

    static EchoServer upstream;
    static GatewayApp gateway;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        upstream = EchoServer.start("catch-all");
        gateway = GatewayApp.start("routes:\n  - {name: everything, match: {path: {prefix: /}}, backends: [{url: \"" + upstream.url() + "\"}]}\n",
                Map.of("management.server.port", "0"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @Test
    void aRandomManagementPortIsLearntWhenItsServerStarts() {
        int port = gateway.bean(ManagementPort.class).port();
        assertThat(port).isPositive().isNotEqualTo(gateway.port());
    }

    @Test
    void theCatchAllRouteDoesNotCaptureTheActuator() throws Exception {
        int port = gateway.bean(ManagementPort.class).port();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("X-Upstream")).isEmpty();
        assertThat(health.body()).contains("\"status\"");
        // actuator mappings come before any route; a path the actuator lacks shows the route lookup stood aside
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/no-such-page")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("X-Upstream")).isEmpty();

        // on the gateway port, the same path is just another path for the catch-all route
        HttpResponse<String> proxied = gateway.get("/actuator/health");
        assertThat(proxied.headers().firstValue("X-Upstream")).contains("catch-all");
    }
}
