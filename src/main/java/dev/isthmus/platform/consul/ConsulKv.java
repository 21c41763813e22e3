package dev.isthmus.platform.consul;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import reactor.core.publisher.Mono;

import org.springframework.web.util.UriUtils;

import dev.isthmus.platform.consul.ConsulFailure.Kind;

/**
 * Consul's KV store ({@code /v1/kv/<key>}) through the watch's {@link ConsulHttpClient}: the same
 * agent, ACL token and TLS. Spring Cloud Consul's {@code ConsulClient} has KV calls, but blocks a
 * thread per request and reads a 403 as success; these are the three calls the verdict writer
 * needs. An ACL denial names the policy the token lacks.
 */
public final class ConsulKv {

    private final ConsulHttpClient http;

    public ConsulKv(ConsulHttpClient http) {
        this.http = http;
    }

    /** Sets {@code key} to {@code value} in the agent's datacenter. */
    public Mono<Void> put(String key, byte[] value) {
        String what = "KV write of " + key;
        return http.put(path(key), value, what)
                .flatMap(r -> "true".equals(r.text().strip()) ? Mono.<Void>empty()
                        : Mono.error(new ConsulFailure(Kind.HTTP, what + " answered " + r.text().strip())))
                .onErrorMap(ConsulKv::denied);
    }

    /** Removes {@code key}; a key that does not exist is no error. */
    public Mono<Void> delete(String key) {
        return http.delete(path(key), "KV delete of " + key).then().onErrorMap(ConsulKv::denied);
    }

    /** Every key under {@code prefix/} with its value; empty when there is none. */
    public Mono<Map<String, byte[]>> list(String prefix) {
        return http.getOrNotFound(path(prefix) + "/", Map.of("recurse", "true"), "KV read of " + prefix + "/")
                .map(r -> {
                    Map<String, byte[]> out = new LinkedHashMap<>();
                    if (r.status() == 200) {
                        for (ConsulJson.KvEntry e : ConsulJson.kvEntries(r.body())) {
                            out.put(e.key(), e.value() == null ? new byte[0] : Base64.getDecoder().decode(e.value()));
                        }
                    }
                    return out;
                })
                .onErrorMap(ConsulKv::denied);
    }

    /** {@code /v1/kv/a/b/c}, each segment encoded (a service name may hold characters a path may not). */
    static String path(String key) {
        return "/v1/kv/" + Arrays.stream(key.split("/", -1)).map(s -> UriUtils.encodePathSegment(s, StandardCharsets.UTF_8))
                .collect(Collectors.joining("/"));
    }

    /** A 403 here is about a key (Consul's message names the permission), not the catalog: drop the watch's hint (service:read, node:read). */
    private static Throwable denied(Throwable e) {
        if (e instanceof ConsulFailure f && f.kind() == Kind.ACL && !f.getMessage().contains("ACL not found")) {
            return new ConsulFailure(Kind.ACL, f.getMessage().replaceFirst(": the token lacks a permission.*$", ""), f);
        }
        return e;
    }
}
