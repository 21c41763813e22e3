package dev.isthmus.spec;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Bearer JWTs (RFC 6750, RFC 7519), verified with Spring Security's reactive resource-server support (Nimbus JOSE). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.issuer) || has(self.jwksUri)", message = "auth.jwt needs jwksUri, or an issuer whose discovery document names it")
public record JwtAuth(
        @JsonPropertyDescription("Expected 'iss' claim. Without jwksUri, the keys' location is read from the issuer's discovery document "
                + "(<issuer>/.well-known/openid-configuration).")
        @Size(max = 2048) String issuer,
        @JsonPropertyDescription("The JWK Set (public keys). Fetched when first needed, cached, refreshed in the background, fetched again when a "
                + "token names a key it does not have; an unreachable JWKS keeps the last keys.")
        @Size(max = 2048) String jwksUri,
        @JsonPropertyDescription("Accepted 'aud' values: a token must carry at least one. Empty: the audience is not checked.")
        @Size(max = MAX_AUDIENCES) List<String> audiences,
        @JsonPropertyDescription("Claims copied into request headers for the backend, claim name to header name, e.g. {sub: X-User}. Copies of these "
                + "headers sent by the client are always removed.")
        @Size(max = MAX_CLAIM_HEADERS) Map<String, String> claimsToHeaders,
        @JsonPropertyDescription("true (default): requests without a token get 401. false: a token is verified when present, requests without "
                + "one pass (without the claim headers).")
        Boolean required,
        @JsonPropertyDescription("Scopes ('scope' or 'scp' claim) a token must all have; otherwise 403 insufficient_scope.")
        @Size(max = MAX_SCOPES) List<String> requiredScopes,
        @JsonPropertyDescription("Accepted signature algorithms. Default: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512. "
                + "Symmetric (HS*) and 'none' are never accepted.")
        @Size(max = 9) List<JwsAlgorithmName> algorithms,
        @JsonPropertyDescription("Tolerance for exp and nbf between clocks. Default 60s, at most 5m.")
        @Pattern(Durations.PATTERN) String clockSkew,
        @JsonPropertyDescription("Pass the Authorization header on to the backend. Default false: the backend gets the claim headers, not the token.")
        Boolean forwardToken) {

    public static final int MAX_AUDIENCES = 32;
    public static final int MAX_CLAIM_HEADERS = 32;
    public static final int MAX_SCOPES = 32;
    public static final String DEFAULT_CLOCK_SKEW = "60s";
    public static final String MAX_CLOCK_SKEW = "5m";
}
