package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the gateway speaks to a backend's instances. */
public enum UpstreamProtocol {
    /** HTTP/1.1, over TLS for https:// URLs, {@code tls} or secure instances. The default. */
    @JsonProperty("http1") HTTP1,
    /** HTTP/2 in clear text with prior knowledge (no upgrade), as gRPC servers speak it without TLS. */
    @JsonProperty("h2c") H2C,
    /** HTTP/2 over TLS, negotiated by ALPN; always TLS. */
    @JsonProperty("h2") H2
}
