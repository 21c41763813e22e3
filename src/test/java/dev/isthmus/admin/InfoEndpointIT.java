package dev.isthmus.admin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.GatewayProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator/info} of the packaged jar: the build (version, time) and git commit the build
 * recorded, the versions of the libraries actually running, and the enabled sources.
 */
class InfoEndpointIT {

    @Test
    void namesTheBuildTheCommitTheLibrariesAndTheSources() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(Map.of(), "routes: []\n")) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(gateway.managementUrl() + "/actuator/info")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode info = new ObjectMapper().readTree(r.body());

            assertThat(info.at("/build/version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
            assertThat(info.at("/build/artifact").asText()).isEqualTo("isthmus");
            assertThat(info.at("/build/time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
            // the commit this jar was built from, when it was built in a git checkout (a git archive copy has none)
            Path gitProperties = Path.of("target/classes/git.properties");
            if (Files.exists(gitProperties)) {
                String abbrev = Files.readAllLines(gitProperties).stream().filter(l -> l.startsWith("git.commit.id.abbrev="))
                        .findFirst().orElseThrow().substring("git.commit.id.abbrev=".length());
                assertThat(info.at("/git/commit/id").asText()).isEqualTo(abbrev);
                assertThat(info.at("/git/branch").asText()).isNotBlank();
            }
            else {
                assertThat(info.has("git")).isFalse();
            }
            JsonNode components = info.at("/isthmus/components");
            assertThat(components.get("springBoot").asText()).isEqualTo("4.0.7");
            assertThat(components.get("springCloudGateway").asText()).isEqualTo("5.0.4");
            assertThat(components.get("reactorNetty").asText()).isEqualTo("1.3.8");
            assertThat(components.get("netty").asText()).isEqualTo("4.2.18.Final");
            assertThat(info.at("/isthmus/sources/0/id").asText()).isEqualTo("file");
            assertThat(info.at("/isthmus/sources/0/state").asText()).isEqualTo("SYNCED");
            assertThat(info.at("/isthmus/tracing").asBoolean()).isFalse();
        }
    }
}
