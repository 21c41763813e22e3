package dev.isthmus.compile;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One backend with its relative weight (0 = out of rotation).
 *
 * @param transport null for plain HTTP/1.1 with the gateway-wide TLS settings
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WeightedBackend(BackendTarget target, int weight, UpstreamTransport transport) {

    public WeightedBackend(BackendTarget target, int weight) {
        this(target, weight, null);
    }
}
