package dev.isthmus.platform.consul;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.isthmus.platform.consul.ConsulFailure.Kind;

/**
 * The parts of Consul's HTTP API answers the watch reads. Own records rather than Spring Cloud
 * Consul's model: its {@code HealthService.Service} has no {@code Weights}, which feed balancing.
 */
final class ConsulJson {

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final TypeReference<Map<String, List<String>>> CATALOG = new TypeReference<>() { };
    private static final TypeReference<List<HealthEntry>> HEALTH = new TypeReference<>() { };
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };
    private static final TypeReference<List<KvEntry>> KV = new TypeReference<>() { };

    private ConsulJson() {
    }

    /** One element of {@code /v1/health/service/<name>}: an instance, its node and every check on both. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record HealthEntry(@JsonProperty("Node") Node node, @JsonProperty("Service") Service service,
            @JsonProperty("Checks") List<Check> checks) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Node(@JsonProperty("Node") String name, @JsonProperty("Address") String address,
            @JsonProperty("Datacenter") String datacenter) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Service(@JsonProperty("ID") String id, @JsonProperty("Service") String name, @JsonProperty("Tags") List<String> tags,
            @JsonProperty("Address") String address, @JsonProperty("Meta") Map<String, String> meta, @JsonProperty("Port") Integer port,
            @JsonProperty("Weights") Weights weights, @JsonProperty("ModifyIndex") Long modifyIndex) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Weights(@JsonProperty("Passing") Integer passing, @JsonProperty("Warning") Integer warning) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Check(@JsonProperty("CheckID") String id, @JsonProperty("Name") String name, @JsonProperty("Status") String status,
            @JsonProperty("ServiceID") String serviceId, @JsonProperty("Output") String output) {
    }

    /** One element of {@code /v1/kv/<prefix>?recurse}: the key and its value, base64-encoded (null when empty). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record KvEntry(@JsonProperty("Key") String key, @JsonProperty("Value") String value) {
    }

    static List<KvEntry> kvEntries(byte[] body) {
        List<KvEntry> list = read(body, KV, "KV");
        return list == null ? List.of() : list;
    }

    /** {@code /v1/catalog/services}: service name to the union of its instances' tags. */
    static Map<String, List<String>> catalogServices(byte[] body) {
        Map<String, List<String>> map = read(body, CATALOG, "catalog services");
        return map == null ? Map.of() : map;
    }

    static List<HealthEntry> healthService(byte[] body) {
        List<HealthEntry> list = read(body, HEALTH, "service health");
        return list == null ? List.of() : list;
    }

    static List<String> datacenters(byte[] body) {
        List<String> list = read(body, STRINGS, "datacenters");
        return list == null ? List.of() : list;
    }

    /** {@code Config.Datacenter} of {@code /v1/agent/self}. */
    static String agentDatacenter(byte[] body) {
        JsonNode node = read(body, new TypeReference<JsonNode>() { }, "agent self");
        JsonNode dc = node == null ? null : node.path("Config").path("Datacenter");
        return dc == null || !dc.isTextual() ? null : dc.asText();
    }

    private static <T> T read(byte[] body, TypeReference<T> type, String what) {
        try {
            return JSON.readValue(body, type);
        }
        catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            int nl = message.indexOf('\n');
            throw new ConsulFailure(Kind.INVALID_RESPONSE, "unreadable " + what + " answer: " + (nl < 0 ? message : message.substring(0, nl)), e);
        }
    }
}
