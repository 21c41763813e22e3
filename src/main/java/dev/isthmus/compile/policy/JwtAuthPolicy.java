package dev.isthmus.compile.policy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.compile.Access;
import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.DurationParser;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.compile.Text;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.JwsAlgorithmName;
import dev.isthmus.spec.JwtAuth;

/**
 * {@code auth.jwt}: a bearer JWT (RFC 6750) signed by one of the issuer's keys. Missing or invalid:
 * 401 with {@code WWW-Authenticate: Bearer}; valid without the required scopes: 403.
 *
 * @param issuer the expected {@code iss}, or null (not checked)
 * @param jwksUri where the keys are; null when they are found through {@code discoveryUri}
 * @param discoveryUri the issuer's OpenID discovery document (when there is no jwksUri), else null
 * @param audiences accepted {@code aud} values; empty: any
 * @param claimsToHeaders claim name to header name (lower-case), in the order written
 * @param required false: requests without a token pass
 * @param requiredScopes every one of them must be granted
 * @param algorithms accepted signature algorithms
 * @param forwardToken whether the Authorization header goes on to the backend
 * @param policy the named policy it comes from, or null
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record JwtAuthPolicy(String issuer, URI jwksUri, URI discoveryUri, List<String> audiences, Map<String, String> claimsToHeaders,
        boolean required, List<String> requiredScopes, List<JwsAlgorithmName> algorithms, Duration clockSkew, boolean forwardToken,
        String policy) implements RoutePolicy {

    public static final String NAME = "auth.jwt";
    public static final List<JwsAlgorithmName> DEFAULT_ALGORITHMS = List.of(JwsAlgorithmName.values());
    /** RFC 6749 §3.3 scope-token. */
    private static final java.util.regex.Pattern SCOPE = java.util.regex.Pattern.compile("^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,256}$");

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<JwtAuthPolicy> {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Scope scope() {
            return Scope.ROUTE;
        }

        @Override
        public boolean declared(GatewayRouteSpec spec) {
            return spec.auth() != null && spec.auth().jwt() != null;
        }

        @Override
        public boolean accessPolicy() {
            return true;
        }

        @Override
        public JwtAuthPolicy compile(CompileContext c) {
            Access a = c.access();
            if (a == null || a.auth() == null || a.auth().jwt() == null) {
                return null;
            }
            JwtAuth j = a.auth().jwt();
            Problems p = c.problems();
            String issuer = null;
            if (j.issuer() != null && AccessFields.printable(p, a.field("auth.jwt.issuer"), j.issuer(), 2048)) {
                issuer = j.issuer();
            }
            URI jwks = null;
            URI discovery = null;
            if (j.jwksUri() != null) {
                jwks = AccessFields.serviceUrl(p, a.field("auth.jwt.jwksUri"), j.jwksUri(), true);
                plainHttp(p, a, "auth.jwt.jwksUri", jwks);
            }
            else if (j.issuer() == null) {
                p.fail(ConditionReason.INVALID_AUTH, a.field("auth.jwt") + " needs jwksUri, or an issuer whose discovery document names it");
            }
            else if (issuer != null) {
                URI base = AccessFields.serviceUrl(p, a.field("auth.jwt.issuer") + " (without jwksUri, the issuer's discovery document is read)",
                        issuer, false);
                if (base != null) {
                    String root = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
                    discovery = URI.create(root + "/.well-known/openid-configuration");
                    plainHttp(p, a, "auth.jwt.issuer", base);
                }
            }
            List<String> audiences = new ArrayList<>();
            if (j.audiences() != null) {
                if (j.audiences().size() > JwtAuth.MAX_AUDIENCES) {
                    p.fail(ConditionReason.INVALID_AUTH, a.field("auth.jwt.audiences") + " has more than " + JwtAuth.MAX_AUDIENCES + " entries");
                }
                for (int i = 0; i < j.audiences().size() && i < JwtAuth.MAX_AUDIENCES; i++) {
                    if (AccessFields.printable(p, a.field("auth.jwt.audiences[" + i + "]"), j.audiences().get(i), 256)) {
                        audiences.add(j.audiences().get(i));
                    }
                }
            }
            Map<String, String> claims = new LinkedHashMap<>();
            if (j.claimsToHeaders() != null) {
                if (j.claimsToHeaders().size() > JwtAuth.MAX_CLAIM_HEADERS) {
                    p.fail(ConditionReason.INVALID_AUTH, a.field("auth.jwt.claimsToHeaders") + " has more than " + JwtAuth.MAX_CLAIM_HEADERS
                            + " entries");
                }
                Set<String> headers = new HashSet<>();
                j.claimsToHeaders().forEach((claim, header) -> {
                    String field = a.field("auth.jwt.claimsToHeaders." + Text.abbreviate(String.valueOf(claim), 40));
                    if (!AccessFields.printable(p, field + " (the claim name)", claim, 256)) {
                        return;
                    }
                    String lower = AccessFields.header(p, field, header, true);
                    if (lower == null) {
                        return;
                    }
                    if (!headers.add(lower)) {
                        p.fail(ConditionReason.INVALID_AUTH, field + ": header " + header + " is written by another claim too");
                        return;
                    }
                    claims.put(claim, lower);
                });
            }
            List<String> scopes = new ArrayList<>();
            if (j.requiredScopes() != null) {
                for (int i = 0; i < j.requiredScopes().size(); i++) {
                    String s = j.requiredScopes().get(i);
                    if (s == null || !SCOPE.matcher(s).matches()) {
                        p.fail(ConditionReason.INVALID_AUTH, a.field("auth.jwt.requiredScopes[" + i + "]") + " '" + Text.abbreviate(String.valueOf(s))
                                + "' is not a scope (RFC 6749: printable ASCII without spaces, quotes or backslashes)");
                        continue;
                    }
                    scopes.add(s);
                }
            }
            List<JwsAlgorithmName> algorithms = DEFAULT_ALGORITHMS;
            if (j.algorithms() != null && !j.algorithms().isEmpty()) {
                java.util.LinkedHashSet<JwsAlgorithmName> named = new java.util.LinkedHashSet<>(j.algorithms());
                if (named.remove(null) || named.isEmpty()) {
                    p.fail(ConditionReason.INVALID_AUTH, a.field("auth.jwt.algorithms") + " must be some of " + Arrays.toString(JwsAlgorithmName.values()));
                }
                algorithms = named.isEmpty() ? DEFAULT_ALGORITHMS : List.copyOf(named);
            }
            Duration skew = p.duration(ConditionReason.INVALID_AUTH, a.field("auth.jwt.clockSkew"), j.clockSkew() == null ? JwtAuth.DEFAULT_CLOCK_SKEW : j.clockSkew(),
                    DurationParser.parse(JwtAuth.MAX_CLOCK_SKEW));
            return new JwtAuthPolicy(issuer, jwks, discovery, List.copyOf(audiences), java.util.Collections.unmodifiableMap(claims),
                    j.required() == null || j.required(), List.copyOf(scopes), algorithms, skew, Boolean.TRUE.equals(j.forwardToken()), a.policy());
        }

        /** Keys fetched in clear text can be swapped by anyone on the path; accepted (test and in-mesh set-ups), with a warning. */
        private static void plainHttp(Problems p, Access a, String field, URI uri) {
            if (uri != null && "http".equalsIgnoreCase(uri.getScheme())) {
                p.warn(a.field(field) + " uses http: the signing keys can be replaced in transit; use https outside a trusted network");
            }
        }
    }
}
