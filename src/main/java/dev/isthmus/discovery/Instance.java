package dev.isthmus.discovery;

import java.util.Map;
import java.util.Objects;

import dev.isthmus.compile.BackendTarget.Registry;

/**
 * One routable instance of a service, from a registry. Immutable; registries publish new lists.
 *
 * @param id unique within the service: address and port, or the registry's own instance id
 * @param weight relative weight for balancing (Consul {@code Service.Weights.Passing}), default 1
 * @param zone topology zone where known, for diagnostics
 */
public record Instance(String id, String host, int port, boolean secure, int weight, Registry registry, String zone,
        Map<String, String> metadata) {

    public Instance {
        Objects.requireNonNull(host, "host");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        weight = Math.max(weight, 1);
    }

    public static Instance of(String host, int port, Registry registry) {
        return new Instance(host + ":" + port, host, port, false, 1, registry, null, Map.of());
    }

    /** host:port, with IPv6 addresses in brackets, as used in URLs and Host headers. */
    public String authority() {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
