package dev.isthmus.runtime.auth;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSecurityContextJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;

import dev.isthmus.compile.policy.JwtAuthPolicy;
import dev.isthmus.spec.JwsAlgorithmName;

/**
 * {@code auth.jwt} on the request path: the bearer token is verified by Spring Security's
 * {@link NimbusReactiveJwtDecoder} (signature by one of the issuer's keys from {@link JwksSource},
 * among the accepted algorithms only) and its validators (exp and nbf with the clock skew, a
 * required exp, iss, aud, typ), then the required scopes are checked as Spring Security grants them
 * ({@link JwtGrantedAuthoritiesConverter}: {@code scope} or {@code scp}). An admitted request gets
 * the configured claims as headers, and loses the Authorization header unless the route forwards it.
 */
public final class JwtVerifier implements RequestGuard {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JwtVerifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest claim value copied into a header; longer ones are left out rather than cut. */
    static final int MAX_HEADER_VALUE = 4096;

    private final JwtAuthPolicy policy;
    private final JwksSource keys;
    private final NimbusReactiveJwtDecoder decoder;
    private final JwtGrantedAuthoritiesConverter scopes = new JwtGrantedAuthoritiesConverter();
    private final Set<String> removed;

    public JwtVerifier(JwtAuthPolicy policy, JwksSource keys) {
        this.policy = policy;
        this.keys = keys;
        Set<JWSAlgorithm> accepted = new HashSet<>();
        for (JwsAlgorithmName a : policy.algorithms()) {
            accepted.add(JWSAlgorithm.parse(a.name()));
        }
        this.decoder = NimbusReactiveJwtDecoder
                // a token whose alg is not accepted (HS256 signed with the public key, say) never costs a key fetch: no key for it
                .withJwkSource(jwt -> accepted.contains(jwt.getHeader().getAlgorithm())
                        ? keys.keysFor(jwt.getHeader()).flatMapMany(Flux::fromIterable) : Flux.empty())
                .jwsAlgorithm(SignatureAlgorithm.from(policy.algorithms().get(0).name()))
                // every accepted algorithm, not only one: the key selector Nimbus checks the header's alg against
                .jwtProcessorCustomizer(p -> p.setJWSKeySelector(new JWSVerificationKeySelector<>(accepted, new JWKSecurityContextJWKSet())))
                .validateType(false) // typ is checked below, by JwtTypeValidator, so RFC 9068 at+jwt tokens pass too
                .build();
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(new JwtTimestampValidator(policy.clockSkew()));
        validators.add(new JwtClaimValidator<Instant>(JwtClaimNames.EXP, Objects::nonNull)); // a token without exp would never expire
        JwtTypeValidator type = new JwtTypeValidator("JWT", "jwt", "at+jwt", "application/at+jwt");
        type.setAllowEmpty(true);
        validators.add(type);
        if (policy.issuer() != null) {
            validators.add(new JwtIssuerValidator(policy.issuer()));
        }
        if (!policy.audiences().isEmpty()) {
            List<String> accepts = policy.audiences();
            validators.add(new JwtClaimValidator<Collection<String>>(JwtClaimNames.AUD,
                    aud -> aud != null && aud.stream().anyMatch(accepts::contains)));
        }
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
        Set<String> remove = new HashSet<>(policy.claimsToHeaders().values());
        if (!policy.forwardToken()) {
            remove.add("authorization");
        }
        this.removed = Set.copyOf(remove);
    }

    @Override
    public Mono<AuthDecision> check(AuthRequest request) {
        BearerToken.Result token = BearerToken.of(request.headers("Authorization"));
        if (token instanceof BearerToken.Missing) {
            // without a token the claim headers are still the client's to forge: removed either way
            return Mono.just(policy.required() ? BearerChallenge.missing()
                    : new AuthDecision.Allow(Set.copyOf(policy.claimsToHeaders().values()), Map.of()));
        }
        if (token instanceof BearerToken.Malformed m) {
            return Mono.just(BearerChallenge.invalidRequest(m.why()));
        }
        String value = ((BearerToken.Found) token).token();
        return Mono.defer(() -> decoder.decode(value)).map(this::admit).onErrorResume(e -> Mono.just(refusal(e)));
    }

    private AuthDecision admit(Jwt jwt) {
        if (!policy.requiredScopes().isEmpty()) {
            Set<String> granted = new HashSet<>();
            for (GrantedAuthority a : scopes.convert(jwt)) {
                granted.add(a.getAuthority());
            }
            for (String s : policy.requiredScopes()) {
                if (!granted.contains("SCOPE_" + s)) {
                    return BearerChallenge.insufficientScope(String.join(" ", policy.requiredScopes()));
                }
            }
        }
        if (policy.claimsToHeaders().isEmpty()) {
            return new AuthDecision.Allow(removed, Map.of());
        }
        Map<String, String> set = new LinkedHashMap<>();
        policy.claimsToHeaders().forEach((claim, header) -> {
            String v = headerValue(jwt.getClaims().get(claim));
            if (v != null) {
                set.put(header, v);
            }
        });
        return new AuthDecision.Allow(removed, set);
    }

    /**
     * A claim as a header value: strings as they are, numbers and booleans as JSON writes them,
     * instants as epoch seconds, lists joined by commas, objects as JSON. A value with a control
     * character (a header splitter) or longer than {@link #MAX_HEADER_VALUE} is left out.
     */
    static String headerValue(Object claim) {
        if (claim == null) {
            return null;
        }
        String v;
        if (claim instanceof Instant i) {
            v = Long.toString(i.getEpochSecond());
        }
        else if (claim instanceof Collection<?> c) {
            List<String> parts = new ArrayList<>();
            for (Object o : c) {
                String p = headerValue(o);
                if (p == null) {
                    return null;
                }
                parts.add(p);
            }
            v = String.join(",", parts);
        }
        else if (claim instanceof Map<?, ?> m) {
            try {
                v = JSON.writeValueAsString(m);
            }
            catch (JsonProcessingException e) {
                return null;
            }
        }
        else {
            v = claim.toString();
        }
        if (v.length() > MAX_HEADER_VALUE) {
            return null;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return null;
            }
        }
        return v;
    }

    /** What a failed verification answers: 401 invalid_token with why, or 503 when the keys cannot be had. */
    private AuthDecision refusal(Throwable e) {
        if (log.isDebugEnabled()) {
            // the exception chain names claims and algorithms, never the token itself
            log.debug("Token refused on {}: {}", this, messages(e));
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof JwksSource.KeysUnavailableException) {
                return AuthDecision.Deny.plain(503, "Service Unavailable", "the token cannot be verified now: the issuer's signing keys are "
                        + "unavailable", Map.of("Retry-After", "5"));
            }
        }
        if (e instanceof JwtValidationException v) {
            return BearerChallenge.invalidToken(describe(v.getErrors()));
        }
        String message = messages(e);
        if (message.contains("Unsupported algorithm of none")) {
            return BearerChallenge.invalidToken("unsigned tokens are not accepted");
        }
        if (message.contains("Another algorithm expected") || message.contains("no matching key")) {
            return BearerChallenge.invalidToken("the token is not signed by a key of the issuer with an accepted algorithm");
        }
        if (message.contains("Invalid signature")) {
            return BearerChallenge.invalidToken("the token's signature is invalid");
        }
        if (e instanceof BadJwtException || e instanceof JwtException) {
            return BearerChallenge.invalidToken("the token is malformed");
        }
        return BearerChallenge.invalidToken("the token cannot be verified");
    }

    private static String describe(Collection<OAuth2Error> errors) {
        for (OAuth2Error error : errors) {
            String d = error.getDescription() == null ? "" : error.getDescription();
            if (d.startsWith("Jwt expired")) {
                return "the token has expired";
            }
            if (d.startsWith("Jwt used before")) {
                return "the token is not valid yet";
            }
            if (d.contains("iss claim")) {
                return "the token's issuer is not accepted";
            }
            if (d.contains("aud claim")) {
                return "the token's audience is not accepted";
            }
            if (d.contains("exp claim")) {
                return "the token has no expiry";
            }
            if (d.contains("typ")) {
                return "the token's type is not accepted";
            }
        }
        return "the token is not valid";
    }

    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null && all.length() < 2000; t = t.getCause() == t ? null : t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }

    public JwksSource keys() {
        return keys;
    }

    @Override
    public String toString() {
        return "jwt " + (policy.issuer() != null ? "issuer " + policy.issuer() + " " : "") + "keys " + keys.location()
                + (policy.audiences().isEmpty() ? "" : " audiences " + policy.audiences()) + (policy.required() ? "" : " optional");
    }
}
