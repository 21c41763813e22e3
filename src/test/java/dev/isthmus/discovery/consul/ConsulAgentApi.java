package dev.isthmus.discovery.consul;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.isthmus.testsupport.ConsulServer;

/**
 * Agent API calls the shared {@link ConsulServer} client does not offer (weights, no check, raw
 * bodies), for the Consul tests. Talks to the agent directly, with its management token if any.
 */
final class ConsulAgentApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ConsulServer consul;

    ConsulAgentApi(ConsulServer consul) {
        this.consul = consul;
    }

    /** Registers an instance; {@code extra} adds or overrides fields of the registration body. */
    void register(String id, String name, String address, int port, List<String> tags, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ID", id);
        body.put("Name", name);
        body.put("Address", address);
        body.put("Port", port);
        body.put("Tags", tags == null ? List.of() : tags);
        if (extra != null) {
            body.putAll(extra);
        }
        put("/v1/agent/service/register", body);
    }

    void put(String path, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(consul.url() + path)).timeout(Duration.ofSeconds(10))
                    .PUT(HttpRequest.BodyPublishers.ofString(body == null ? "" : JSON.writeValueAsString(body)));
            if (consul.aclToken() != null) {
                b.header("X-Consul-Token", consul.aclToken());
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("Consul answered " + r.statusCode() + " to PUT " + path + ": " + r.body());
            }
        }
        catch (IOException e) {
            throw new IllegalStateException("PUT " + path + " failed: " + e, e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
