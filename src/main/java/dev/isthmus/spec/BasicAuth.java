package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** HTTP basic authentication (RFC 7617) against htpasswd lines {@code user:$2y$...} (bcrypt only). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.secretRef) != has(self.file)", message = "auth.basic needs exactly one of secretRef or file")
public record BasicAuth(
        @JsonPropertyDescription("A Secret in the route's own namespace holding the htpasswd entries (GatewayRoutes and ConfigMap routes).")
        SecretKeyRef secretRef,
        @JsonPropertyDescription("A file holding the htpasswd entries, e.g. a mounted Secret (routes file and isthmus.auth.policies only).")
        @Size(max = 4096) String file,
        @JsonPropertyDescription("The realm in the WWW-Authenticate challenge. Default: the route's name.")
        @Size(max = 128) @Pattern("^[ !#-\\[\\]-~]*$") String realm,
        @JsonPropertyDescription("A request header that carries the authenticated user's name to the backend (client-sent copies are removed).")
        @Size(max = 256) String userHeader,
        @JsonPropertyDescription("Pass the Authorization header on to the backend. Default false.")
        Boolean forwardCredentials) {
}
