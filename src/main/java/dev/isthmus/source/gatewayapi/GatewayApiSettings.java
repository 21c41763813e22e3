package dev.isthmus.source.gatewayapi;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the translator needs to know about the Isthmus deployment it translates for: the
 * controller name it answers to, and the data plane it has. One deployment serves every Gateway
 * of its classes through one Service, so a listener can be programmed only on a port and protocol
 * that Service and the gateway process serve.
 *
 * @param controllerName GatewayClasses whose {@code spec.controllerName} is this are served
 *     ({@code isthmus.gateway-api.controller-name})
 * @param httpPort the Service port on which the gateway serves plain HTTP (the listener port of
 *     HTTP listeners), or null when it serves no plain HTTP
 * @param httpsPort the Service port on which the gateway terminates TLS, or null without TLS
 * @param tlsSecrets the Secrets ({@code namespace/name}) whose certificates the gateway serves
 *     (mounted into its pods); an HTTPS listener may reference only these
 */
public record GatewayApiSettings(String controllerName, Integer httpPort, Integer httpsPort, Set<String> tlsSecrets) {

    public GatewayApiSettings {
        Objects.requireNonNull(controllerName, "controllerName");
        tlsSecrets = tlsSecrets == null ? Set.of() : Collections.unmodifiableSortedSet(new TreeSet<>(tlsSecrets));
    }
}
