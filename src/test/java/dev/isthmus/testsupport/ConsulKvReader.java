package dev.isthmus.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads Consul KV the two ways a VM owner does: the real {@code consul kv get} command line (the
 * provisioned binary, with {@code -http-addr}) and the HTTP API ({@code GET /v1/kv/<key>}).
 */
public final class ConsulKvReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ConsulServer consul;
    private final String token;

    /** @param token the ACL token to read with (CONSUL_HTTP_TOKEN / X-Consul-Token), or null */
    public ConsulKvReader(ConsulServer consul, String token) {
        this.consul = consul;
        this.token = token;
    }

    /** The provisioned {@code consul} binary; missing it skips or fails the test like a missing server. */
    public static Path cli() {
        Path bin = RealInfra.binary("bin/consul");
        if (bin == null) {
            RealInfra.unavailable("The consul command line", "no consul binary in " + RealInfra.home().resolve("bin"));
        }
        return bin;
    }

    /** {@code consul kv get [args...]}: exit code and standard output. */
    public record CliResult(int exit, String out, String err) {
    }

    public CliResult cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(cli().toString(), "kv", "get", "-http-addr=" + consul.host() + ":" + consul.port()));
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().remove("CONSUL_HTTP_TOKEN");
            if (token != null) {
                pb.environment().put("CONSUL_HTTP_TOKEN", token);
            }
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("consul kv get did not finish");
            }
            return new CliResult(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The key's value as JSON through {@code consul kv get <key>}, or null when the key does not exist. */
    public JsonNode cliJson(String key) {
        CliResult r = cli(key);
        if (r.exit() != 0) {
            if (r.err().contains("No key exists")) {
                return null;
            }
            throw new IllegalStateException("consul kv get " + key + " exited " + r.exit() + ": " + r.err());
        }
        return parse(r.out());
    }

    /** {@code GET /v1/kv/<key>?raw}: the value as JSON, or null on 404. */
    public JsonNode httpJson(String key) {
        HttpResponse<String> r = get("/v1/kv/" + key + "?raw");
        if (r.statusCode() == 404) {
            return null;
        }
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /v1/kv/" + key + " answered " + r.statusCode() + ": " + r.body());
        }
        return parse(r.body());
    }

    /** The key's {@code ModifyIndex} (changes on every write, even of the same value), or -1 when absent. */
    public long modifyIndex(String key) {
        HttpResponse<String> r = get("/v1/kv/" + key);
        if (r.statusCode() == 404) {
            return -1;
        }
        return parse(r.body()).get(0).get("ModifyIndex").asLong();
    }

    private HttpResponse<String> get(String path) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(consul.url() + path)).timeout(Duration.ofSeconds(10)).GET();
            if (token != null) {
                b.header("X-Consul-Token", token);
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException e) {
            throw new IllegalStateException("GET " + path + ": " + e, e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        }
        catch (IOException e) {
            throw new IllegalStateException("not JSON: " + text, e);
        }
    }
}
