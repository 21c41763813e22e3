package dev.isthmus.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every isthmus.* property the build knows (configuration metadata) is documented in docs/configuration.md. */
class ConfigurationDocsTest {

    @Test
    void everyPropertyIsDocumented() throws Exception {
        JsonNode metadata = new ObjectMapper().readTree(Path.of("target/classes/META-INF/spring-configuration-metadata.json").toFile());
        String docs = Files.readString(Path.of("docs/configuration.md"));
        List<String> properties = new ArrayList<>();
        for (JsonNode p : metadata.get("properties")) {
            String name = p.get("name").asText();
            if (name.startsWith("isthmus.")) {
                properties.add(name);
                assertThat(p.path("description").asText()).as("%s has a description (javadoc on its field)", name).isNotBlank();
            }
        }
        assertThat(properties).hasSizeGreaterThan(30);
        assertThat(properties).allSatisfy(name -> assertThat(docs).as("docs/configuration.md documents %s", name).contains("`" + name + "`"));
    }
}
