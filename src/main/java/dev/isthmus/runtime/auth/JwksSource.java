package dev.isthmus.runtime.auth;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * The signing keys of one issuer (a JWK Set URL, or an issuer whose OpenID discovery document names
 * it), fetched over the gateway's Reactor Netty client, never on a blocked thread, and shared by
 * every route that trusts that issuer.
 * <ul>
 * <li>First use waits for the first fetch; concurrent requests share it.</li>
 * <li>Keys older than {@code maxAge} are refreshed in the background while the old ones keep
 * verifying (no request waits for a refresh).</li>
 * <li>A token naming a key the set does not have (a rotation) triggers a fetch it waits for, at most
 * once per {@code minRefreshInterval}: tokens with made-up key ids cannot turn the gateway into a
 * load generator against the identity provider.</li>
 * <li>A failed fetch keeps the last keys (an outage of the identity provider never logs anybody
 * out); with no keys at all, verification fails with {@link KeysUnavailableException}, which the
 * verifier answers 503, not 401: the client's token is not known to be bad.</li>
 * </ul>
 * Spring Security's {@code ReactiveRemoteJWKSource} fetches on unknown keys too, but without a
 * rate limit, with no refresh of keys the issuer withdrew, and over a WebClient; this one feeds
 * Spring Security's {@code NimbusReactiveJwtDecoder} through its {@code withJwkSource} hook.
 */
public final class JwksSource {

    private static final Logger log = LoggerFactory.getLogger(JwksSource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_BYTES = 512 * 1024;

    /** No keys could be fetched yet. */
    public static final class KeysUnavailableException extends RuntimeException {
        KeysUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The keys in use and when they were fetched. */
    record Keys(JWKSet set, Instant fetchedAt, URI from) {
    }

    private final URI jwksUri;
    private final URI discoveryUri;
    private final String issuer;
    private final HttpClient client;
    private final Duration maxAge;
    private final Duration minRefreshInterval;
    private final Clock clock;
    private final AtomicReference<Mono<Keys>> inFlight = new AtomicReference<>();
    private volatile Keys current;
    private volatile URI discovered;
    private volatile Instant lastAttempt = Instant.EPOCH;
    private volatile String lastError;
    private volatile long fetches;

    /**
     * @param jwksUri the key set, or null to read it from {@code discoveryUri}
     * @param issuer the issuer a discovery document must name
     */
    JwksSource(URI jwksUri, URI discoveryUri, String issuer, HttpClient client, Duration timeout, Duration maxAge, Duration minRefreshInterval,
            Clock clock) {
        this.jwksUri = jwksUri;
        this.discoveryUri = discoveryUri;
        this.issuer = issuer;
        this.client = client.responseTimeout(timeout);
        this.maxAge = maxAge;
        this.minRefreshInterval = minRefreshInterval;
        this.clock = clock;
    }

    /** Where the keys come from, for logs and the admin endpoints. */
    public String location() {
        return jwksUri != null ? jwksUri.toString() : discoveryUri + (discovered == null ? "" : " -> " + discovered);
    }

    /**
     * The keys that may have signed a token with this header: matched on key id, type and use, as
     * Nimbus' {@code JWKMatcher.forJWSHeader} matches them.
     */
    public Mono<List<JWK>> keysFor(JWSHeader header) {
        Keys keys = current;
        if (keys == null) {
            if (!mayFetch(clock.instant())) {
                // the last attempt failed a moment ago: answer at once rather than queue every request behind the next one
                return Mono.error(new KeysUnavailableException("the signing keys of " + location() + " cannot be fetched: " + lastError, null));
            }
            return refresh().map(k -> select(k, header)).onErrorMap(e -> e instanceof KeysUnavailableException ? e
                    : new KeysUnavailableException("the signing keys of " + location() + " cannot be fetched: " + describe(e), e));
        }
        List<JWK> found = select(keys, header);
        Instant now = clock.instant();
        if (!found.isEmpty()) {
            if (keys.fetchedAt().plus(maxAge).isBefore(now) && mayFetch(now)) {
                refresh().subscribe(k -> { }, e -> { }); // stale: refreshed behind the request, which verifies with what we have
            }
            return Mono.just(found);
        }
        if (!mayFetch(now)) {
            return Mono.just(List.of()); // unknown key, and we fetched recently: no such key
        }
        // unknown key id: perhaps a rotation; fetch once and look again (an outage keeps the old keys: no match)
        return refresh().map(k -> select(k, header)).onErrorReturn(List.of());
    }

    private boolean mayFetch(Instant now) {
        return inFlight.get() != null || !lastAttempt.plus(minRefreshInterval).isAfter(now);
    }

    private static List<JWK> select(Keys keys, JWSHeader header) {
        return new JWKSelector(JWKMatcher.forJWSHeader(header)).select(keys.set());
    }

    /** One fetch at a time; everyone who asks meanwhile waits for the same one. */
    Mono<Keys> refresh() {
        Mono<Keys> running = inFlight.get();
        if (running != null) {
            return running;
        }
        AtomicReference<Mono<Keys>> self = new AtomicReference<>();
        Mono<Keys> fetch = Mono.defer(() -> {
            lastAttempt = clock.instant();
            fetches++;
            return fetchOnce();
        }).doOnNext(this::fetched).doOnError(this::failed).doFinally(s -> inFlight.compareAndSet(self.get(), null)).cache();
        self.set(fetch);
        return inFlight.compareAndSet(null, fetch) ? fetch : refresh();
    }

    private Mono<Keys> fetchOnce() {
        Mono<URI> where = jwksUri != null ? Mono.just(jwksUri) : discovered != null ? Mono.just(discovered) : discover();
        return where.flatMap(uri -> get(uri).map(body -> {
            try {
                JWKSet set = JWKSet.parse(new String(body, StandardCharsets.UTF_8));
                // only public asymmetric keys verify: a secret or a private key published by mistake is never used
                List<JWK> usable = new ArrayList<>();
                for (JWK k : set.toPublicJWKSet().getKeys()) {
                    if (k.getKeyType() != KeyType.OCT) {
                        usable.add(k);
                    }
                }
                if (usable.isEmpty()) {
                    throw new IllegalStateException("the key set holds no public key");
                }
                return new Keys(new JWKSet(usable), clock.instant(), uri);
            }
            catch (java.text.ParseException e) {
                throw new IllegalStateException("not a JWK Set: " + e.getMessage(), e);
            }
        }));
    }

    /** OpenID Connect Discovery 1.0 §4: the document's issuer must be the configured one, its jwks_uri is where the keys are. */
    private Mono<URI> discover() {
        return get(discoveryUri).map(body -> {
            JsonNode doc;
            try {
                doc = JSON.readTree(body);
            }
            catch (java.io.IOException e) {
                throw new IllegalStateException("the discovery document " + discoveryUri + " is not JSON");
            }
            String named = doc.path("issuer").asText(null);
            if (issuer != null && !issuer.equals(named)) {
                throw new IllegalStateException("the discovery document " + discoveryUri + " is for issuer '" + named + "', not '" + issuer + "'");
            }
            String uri = doc.path("jwks_uri").asText(null);
            if (uri == null || !(uri.startsWith("https://") || uri.startsWith("http://"))) {
                throw new IllegalStateException("the discovery document " + discoveryUri + " has no http(s) jwks_uri");
            }
            URI found = URI.create(uri);
            discovered = found;
            return found;
        });
    }

    private Mono<byte[]> get(URI uri) {
        return client.headers(h -> h.set("Accept", "application/json, application/jwk-set+json"))
                .get().uri(uri).response((response, body) -> {
                    if (response.status().code() != 200) {
                        return body.then(Mono.error(new IllegalStateException(uri + " answered " + response.status().code())));
                    }
                    return BoundedBody.read(body, MAX_BYTES);
                }).singleOrEmpty().switchIfEmpty(Mono.error(new IllegalStateException(uri + " sent no answer")));
    }

    private void fetched(Keys keys) {
        boolean recovered = lastError != null;
        Keys before = current;
        current = keys;
        lastError = null;
        if (recovered) {
            log.info("JWKS {} reachable again: {} key(s)", location(), keys.set().getKeys().size());
        }
        else if (before == null || !before.set().toString().equals(keys.set().toString())) {
            log.info("JWKS {}: {} key(s) (ids {})", location(), keys.set().getKeys().size(),
                    keys.set().getKeys().stream().map(k -> String.valueOf(k.getKeyID())).toList());
        }
    }

    private void failed(Throwable e) {
        String why = describe(e);
        boolean first = lastError == null;
        lastError = why;
        Keys keys = current;
        if (first) {
            log.warn("JWKS {} could not be fetched ({}); {}", location(), why, keys == null ? "no keys yet: requests with a token get 503"
                    : "still verifying with the " + keys.set().getKeys().size() + " key(s) fetched at " + keys.fetchedAt());
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** What the admin endpoints show: where, how many keys, since when, the last error. Never key material beyond ids. */
    public java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("location", location());
        Keys k = current;
        m.put("keys", k == null ? 0 : k.set().getKeys().size());
        if (k != null) {
            m.put("keyIds", k.set().getKeys().stream().map(j -> String.valueOf(j.getKeyID())).toList());
            m.put("fetchedAt", k.fetchedAt().toString());
        }
        m.put("fetches", fetches);
        if (lastError != null) {
            m.put("lastError", lastError);
        }
        return m;
    }

    /** Fetches made so far (tests: a rotation costs one, a burst of unknown key ids no more than one per interval). */
    public long fetches() {
        return fetches;
    }
}
