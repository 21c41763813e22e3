package dev.isthmus.admin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;

import static org.assertj.core.api.Assertions.assertThat;

/** The real jar with the access log on and JSON logs: one structured event per request, and no secrets in it. */
class AccessLogIT {

    @Test
    void writesOneJsonEventPerRequestWithoutQueryOrHeaders() throws Exception {
        try (EchoServer up = EchoServer.start("up");
                GatewayProcess gw = GatewayProcess.start(Map.of("isthmus.access-log.enabled", "true",
                        "logging.structured.format.console", "ecs"), """
                        routes:
                          - name: api
                            match: {path: {prefix: /api}}
                            backends: [{url: "%s"}]
                        """.formatted(up.url()))) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.url() + "/api/orders?token=s3cr3t-query"))
                    .header("Authorization", "Bearer s3cr3t-header").header("Cookie", "session=s3cr3t-cookie").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Await.until(Duration.ofSeconds(10), () -> gw.log().contains("\"path\":\"/api/orders\""))).as(gw.logTail()).isTrue();

            ObjectMapper json = new ObjectMapper();
            JsonNode event = null;
            for (String line : gw.log().split("\n")) {
                if (line.contains("\"isthmus.access\"") && line.contains("/api/orders")) {
                    event = json.readTree(line);
                }
            }
            assertThat(event).as("an access event in: %s", gw.logTail()).isNotNull();
            assertThat(event.get("method").asText()).isEqualTo("GET");
            assertThat(event.get("status").asInt()).isEqualTo(200);
            assertThat(event.get("route").asText()).isEqualTo("file/api");
            assertThat(event.get("upstream").asText()).isEqualTo("127.0.0.1:" + up.port());
            assertThat(event.get("durationMs").asDouble()).isPositive();
            assertThat(gw.log()).doesNotContain("s3cr3t");
        }
    }
}
