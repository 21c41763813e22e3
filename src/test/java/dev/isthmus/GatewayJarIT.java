package dev.isthmus;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged jar, as users run it: proxies a routes-file route to a real upstream; health on the admin port. */
class GatewayJarIT {

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void proxiesARoutesFileRouteAndReportsHealthOnTheManagementPort() throws Exception {
        try (EchoServer upstream = EchoServer.start("echo-1");
                GatewayProcess gateway = GatewayProcess.start(Map.of(), """
                        routes:
                          - name: echo
                            match: {path: {prefix: /echo/}}
                            rewrite: {prefix: /}
                            backends: [{url: "%s"}]
                        """.formatted(upstream.url()))) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/echo/hello?x=1")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode body = json.readTree(response.body());
            assertThat(body.get("server").asText()).isEqualTo("echo-1");
            assertThat(body.get("uri").asText()).isEqualTo("/hello?x=1");
            assertThat(upstream.last().header("Host")).isEqualTo("127.0.0.1:" + gateway.port());

            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + "/actuator/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(json.readTree(health.body()).get("status").asText()).isEqualTo("UP");

            HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/nothing-here")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(unknown.statusCode()).isEqualTo(404);
        }
    }
}
