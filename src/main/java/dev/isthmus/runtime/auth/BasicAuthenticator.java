package dev.isthmus.runtime.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import reactor.core.publisher.Mono;

import dev.isthmus.compile.policy.BasicAuthPolicy;

/**
 * {@code auth.basic} on the request path: {@code Authorization: Basic base64(user:password)}
 * (RFC 7617, UTF-8) checked against the route's htpasswd entries ({@link CredentialStore}) by
 * {@link BcryptVerifier}. Missing or wrong: 401 {@code WWW-Authenticate: Basic realm="...",
 * charset="UTF-8"}; the pool full: 503. An admitted request loses its Authorization header (unless
 * the route forwards it) and carries the user's name in {@code userHeader}, if set.
 */
public final class BasicAuthenticator implements RequestGuard {

    private final BasicAuthPolicy policy;
    private final CredentialStore.Handle entries;
    private final BcryptVerifier verifier;
    private final AuthDecision.Deny challenge;
    private final Set<String> removed;

    public BasicAuthenticator(BasicAuthPolicy policy, CredentialStore.Handle entries, BcryptVerifier verifier) {
        this.policy = policy;
        this.entries = entries;
        this.verifier = verifier;
        this.challenge = AuthDecision.Deny.plain(401, "Unauthorized", "valid credentials are required",
                Map.of("WWW-Authenticate", "Basic realm=\"" + policy.realm() + "\", charset=\"UTF-8\""));
        Set<String> remove = new HashSet<>();
        if (!policy.forwardCredentials()) {
            remove.add("authorization");
        }
        if (policy.userHeader() != null) {
            remove.add(policy.userHeader());
        }
        this.removed = Set.copyOf(remove);
    }

    @Override
    public Mono<AuthDecision> check(AuthRequest request) {
        List<String> authorization = request.headers("Authorization");
        if (authorization.size() != 1) {
            return Mono.just(challenge);
        }
        String value = authorization.get(0);
        if (value.length() < 7 || !value.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Mono.just(challenge);
        }
        String pair;
        try {
            pair = new String(Base64.getDecoder().decode(value.substring(6).strip()), StandardCharsets.UTF_8);
        }
        catch (IllegalArgumentException e) {
            return Mono.just(challenge);
        }
        int colon = pair.indexOf(':');
        if (colon <= 0) {
            return Mono.just(challenge);
        }
        String user = pair.substring(0, colon);
        String password = pair.substring(colon + 1);
        Htpasswd current = entries.entries();
        return verifier.matches(policy.realm(), user, password, current.hash(user), current.cost())
                .map(ok -> ok ? admit(user) : (AuthDecision) challenge)
                .onErrorResume(BcryptVerifier.BusyException.class, e -> Mono.just(AuthDecision.Deny.plain(503, "Service Unavailable",
                        "too many logins are being checked; try again", Map.of("Retry-After", "1"))));
    }

    private AuthDecision admit(String user) {
        if (policy.userHeader() == null || JwtVerifier.headerValue(user) == null) {
            return new AuthDecision.Allow(removed, Map.of());
        }
        return new AuthDecision.Allow(removed, Map.of(policy.userHeader(), user));
    }

    public CredentialStore.Handle entries() {
        return entries;
    }

    @Override
    public String toString() {
        return "basic realm " + policy.realm() + " users from " + policy.source();
    }
}
