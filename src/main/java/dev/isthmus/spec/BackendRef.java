package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/** A backend: a discovered service, or a fixed URL. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.service) != has(self.url)", message = "exactly one of service or url is required")
public record BackendRef(
        @JsonPropertyDescription("Service name: 'quote' (isthmus.discovery.policy decides), 'k8s:ns/name', 'consul:name' or 'consul:dc/name'.")
        @Pattern("^((k8s:([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?)|(consul:([A-Za-z0-9_.-]+/)?))?[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$")
        @Size(max = MAX_SERVICE) String service,
        @JsonPropertyDescription("Port name or number; for Kubernetes services, the Service port. Defaults to the only or first port.")
        @SchemaFrom(type = IntOrString.class) String port,
        @JsonPropertyDescription("Relative weight; 0 takes the backend out of rotation. Default 1.")
        @Min(MIN_WEIGHT) @Max(MAX_WEIGHT) Integer weight,
        @JsonPropertyDescription("A fixed http(s) URL instead of a service.")
        @Pattern("^https?://") @Size(max = MAX_URL) String url,
        @JsonPropertyDescription("How the gateway speaks to it: http1 (default), h2c (HTTP/2 in clear text with prior knowledge, e.g. gRPC) or h2 (HTTP/2 over TLS).")
        UpstreamProtocol protocol,
        @JsonPropertyDescription("TLS to the backend: CA, server name, client certificate. Its presence makes the connection TLS.")
        BackendTls tls) {

    public static final int MIN_WEIGHT = 0;
    public static final int MAX_WEIGHT = 10000;
    public static final int DEFAULT_WEIGHT = 1;
    public static final int MAX_SERVICE = 320;
    public static final int MAX_URL = 2048;

    /** A plain backend: HTTP/1.1, TLS only for https:// URLs and secure instances. */
    public BackendRef(String service, String port, Integer weight, String url) {
        this(service, port, weight, url, null, null);
    }
}
