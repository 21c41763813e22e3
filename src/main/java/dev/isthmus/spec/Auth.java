package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Who may use a route: a JWT, an external authorization service, basic credentials, or a named
 * policy that says so for many routes. jwt and basic both read the Authorization header, so a
 * route has at most one of them; forward combines with either (both must admit the request).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!(has(self.policy) && (has(self.jwt) || has(self.forward) || has(self.basic)))",
        message = "auth.policy names a policy; it cannot be combined with jwt, forward or basic")
@ValidationRule(value = "!(has(self.jwt) && has(self.basic))", message = "auth.jwt and auth.basic both read the Authorization header: use one")
public record Auth(
        @JsonPropertyDescription("A named policy (a 'policies:' entry of the routes file or of this route's ConfigMap, or isthmus.auth.policies.<name>) "
                + "whose auth, ipAllow and ipDeny apply to this route.")
        @Pattern(NamedPolicy.NAME_PATTERN) String policy,
        @JsonPropertyDescription("Bearer JWTs verified against the issuer's keys (JWKS).")
        JwtAuth jwt,
        @JsonPropertyDescription("External authorization: every request is first checked by an HTTP service (like Traefik forwardAuth, Emissary AuthService).")
        ForwardAuth forward,
        @JsonPropertyDescription("HTTP basic authentication against htpasswd (bcrypt) entries.")
        BasicAuth basic) {
}
