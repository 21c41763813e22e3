package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * TLS from the gateway to a backend. Without a CA, the certificate is checked against
 * isthmus.upstream.tls.ca-file, else the JVM's trust store; the server name defaults to the URL's
 * host, {@code <service>.<namespace>.svc} for Kubernetes services, and the instance address for Consul.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!(has(self.caFile) && has(self.caSecretRef))", message = "at most one of caFile or caSecretRef")
public record BackendTls(
        @JsonPropertyDescription("PEM CA certificates on the gateway's filesystem to verify the backend with; the routes file only.")
        @Size(max = MAX_PATH) String caFile,
        @JsonPropertyDescription("PEM CA certificates in a Secret of the route's namespace to verify the backend with.")
        CaSecretRef caSecretRef,
        @JsonPropertyDescription("The name sent as SNI and checked against the backend's certificate.")
        @Pattern(SERVER_NAME_PATTERN) @Size(max = 253) String serverName,
        @JsonPropertyDescription("The certificate the gateway presents when the backend asks for one (mutual TLS).")
        ClientCertificate clientCertificate,
        @JsonPropertyDescription("Accept any certificate, unverified: the routes file only, for tests. Default false.")
        Boolean insecureSkipVerify) {

    public static final int MAX_PATH = 4096;
    /** A DNS name: labels of letters, digits and inner hyphens, separated by dots. */
    public static final String SERVER_NAME_PATTERN = "^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$";
}
