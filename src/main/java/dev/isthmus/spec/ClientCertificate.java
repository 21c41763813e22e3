package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/**
 * The certificate the gateway presents to a backend that asks for one (mutual TLS): a
 * kubernetes.io/tls Secret of the route's namespace, or PEM files on the gateway (routes file only).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClientCertificate(
        @JsonPropertyDescription("A kubernetes.io/tls Secret (keys tls.crt and tls.key) in the route's namespace.")
        @Pattern(SecretKeyRef.NAME_PATTERN) String secretName,
        @JsonPropertyDescription("PEM certificate chain on the gateway's filesystem; the routes file only.")
        @Size(max = BackendTls.MAX_PATH) String certFile,
        @JsonPropertyDescription("PEM private key (PKCS#8 or PKCS#1/SEC1) on the gateway's filesystem; the routes file only.")
        @Size(max = BackendTls.MAX_PATH) String keyFile) {
}
