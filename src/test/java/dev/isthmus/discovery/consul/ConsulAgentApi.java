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
    private final String url;
    private final String token;

    ConsulAgentApi(ConsulServer consul) {
        this(consul.url(), consul.aclToken());
    }

    /** @param url the agent's plain HTTP address; @param token its management token, or null */
    ConsulAgentApi(String url, String token) {
        this.url = url;
        this.token = token;
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

    /** An ACL token: its accessor (to delete it) and its secret (to use it). */
    record Token(String accessor, String secret) {
    }

    /** Creates a token with a policy of these rules. */
    Token createToken(String rules) {
        String policy = "p" + System.nanoTime();
        send("PUT", "/v1/acl/policy", Map.of("Name", policy, "Rules", rules));
        try {
            var node = JSON.readTree(send("PUT", "/v1/acl/token", Map.of("Policies", List.of(Map.of("Name", policy)))));
            return new Token(node.get("AccessorID").asText(), node.get("SecretID").asText());
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    void deleteToken(Token token) {
        send("DELETE", "/v1/acl/token/" + token.accessor(), null);
    }

    void put(String path, Object body) {
        send("PUT", path, body);
    }

    private String send(String method, String path, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10))
                    .method(method, HttpRequest.BodyPublishers.ofString(body == null ? "" : JSON.writeValueAsString(body)));
            if (token != null) {
                b.header("X-Consul-Token", token);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("Consul answered " + r.statusCode() + " to " + method + " " + path + ": " + r.body());
            }
            return r.body();
        }
        catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
