package dev.isthmus.infra;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.ConsulServer;

import static org.assertj.core.api.Assertions.assertThat;

/** The real Consul agent the Consul tests run against: it starts, and its catalog works. */
class ConsulAgentIT {

    @Test
    void registersAndReadsBackAService() {
        try (ConsulServer consul = ConsulServer.start()) {
            consul.register("inventory-1", "inventory", "10.1.2.3", 8080, List.of("isthmus.enable=true", "v2"), Map.of("zone", "a"), null);

            JsonNode instances = consul.healthyInstances("inventory");

            assertThat(instances).hasSize(1);
            JsonNode service = instances.get(0).get("Service");
            assertThat(service.get("ID").asText()).isEqualTo("inventory-1");
            assertThat(service.get("Address").asText()).isEqualTo("10.1.2.3");
            assertThat(service.get("Port").asInt()).isEqualTo(8080);
            assertThat(service.get("Tags")).extracting(JsonNode::asText).containsExactly("isthmus.enable=true", "v2");
            assertThat(service.get("Meta").get("zone").asText()).isEqualTo("a");
        }
    }
}
