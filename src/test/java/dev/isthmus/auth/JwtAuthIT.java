package dev.isthmus.auth;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.JwksServer;
import dev.isthmus.testsupport.Tokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * auth.jwt against a real key server on loopback (a JDK HttpServer the test runs) and tokens the
 * test signs with Nimbus: what a valid token gets through with, every kind of bad token refused
 * with RFC 6750's answers, key rotation, a key server outage, and a slow key server that never
 * holds up other requests.
 */
class JwtAuthIT {

    static final String ISSUER = "https://idp.example.test/";
    static RSAKey key;
    static JwksServer idp;
    static JwksServer discoveryIdp;
    static EchoServer upstream;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        key = Tokens.rsaKey("key-1");
        idp = JwksServer.start(key);
        discoveryIdp = JwksServer.start(key);
        upstream = EchoServer.start("orders");
        gateway = GatewayApp.start("""
                routes:
                  - name: orders
                    match: {path: {prefix: /orders}}
                    backends: [{url: "%1$s"}]
                    auth:
                      jwt:
                        issuer: "%2$s"
                        jwksUri: "%3$s"
                        audiences: [orders, shop]
                        claimsToHeaders: {sub: X-User, scope: X-Scopes, tenant: X-Tenant}
                  - name: optional
                    match: {path: {prefix: /optional}}
                    backends: [{url: "%1$s"}]
                    auth: {jwt: {issuer: "%2$s", jwksUri: "%3$s", required: false, claimsToHeaders: {sub: X-User}}}
                  - name: scoped
                    match: {path: {prefix: /scoped}}
                    backends: [{url: "%1$s"}]
                    auth: {jwt: {issuer: "%2$s", jwksUri: "%3$s", requiredScopes: [orders.write]}}
                  - name: forwarded
                    match: {path: {prefix: /forwarded}}
                    backends: [{url: "%1$s"}]
                    auth: {jwt: {jwksUri: "%3$s", forwardToken: true}}
                  - name: discovered
                    match: {path: {prefix: /discovered}}
                    backends: [{url: "%1$s"}]
                    auth: {jwt: {issuer: "%4$s"}}
                  - name: plain
                    match: {path: {prefix: /plain}}
                    backends: [{url: "%1$s"}]
                """.formatted(upstream.url(), ISSUER, idp.jwksUri(), discoveryIdp.issuer()),
                Map.of("isthmus.auth.jwks.min-refresh-interval", "300ms", "isthmus.auth.jwks.timeout", "5s"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
        idp.close();
        discoveryIdp.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
        idp.up();
        idp.delay(Duration.ZERO);
        idp.publish(key);
    }

    static JWTClaimsSet.Builder claims() {
        return Tokens.claims(ISSUER, "alice", List.of("orders"), Map.of("scope", "orders.read orders.write", "tenant", "acme"));
    }

    static String valid() {
        return Tokens.sign(key, claims().build());
    }

    static HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = gateway.request(path).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gateway.send(b.build());
    }

    static HttpResponse<String> bearer(String path, String token, String... headers) {
        List<String> all = new ArrayList<>(List.of("Authorization", "Bearer " + token));
        all.addAll(List.of(headers));
        return get(path, all.toArray(String[]::new));
    }

    static String challenge(HttpResponse<String> r) {
        return r.headers().firstValue("WWW-Authenticate").orElse("");
    }

    @Test
    void aValidTokenReachesTheBackendWithItsClaimsAsHeadersAndWithoutTheToken() {
        HttpResponse<String> r = bearer("/orders/1", valid(), "X-User", "mallory", "X-Tenant", "evil");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        EchoServer.Received got = upstream.last();
        assertThat(got.header("X-User")).isEqualTo("alice");
        assertThat(got.header("X-Scopes")).isEqualTo("orders.read orders.write");
        assertThat(got.header("X-Tenant")).as("the client's own copy is replaced, not added to").isEqualTo("acme");
        assertThat(got.header("Authorization")).as("forwardToken defaults to false").isNull();
        assertThat(get("/plain/x").statusCode()).as("a route without auth needs none").isEqualTo(200);
    }

    @Test
    void aMissingTokenGets401WithABearerChallengeAndNoErrorCode() {
        HttpResponse<String> r = get("/orders/1");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(challenge(r)).isEqualTo("Bearer");
        assertThat(get("/orders/1", "Authorization", "Basic YWxpY2U6cHc=").statusCode()).as("another scheme is no token").isEqualTo(401);
        assertThat(upstream.count()).isZero();
    }

    @Test
    void aMalformedAuthorizationHeaderIsAnInvalidRequest() {
        HttpResponse<String> r = get("/orders/1", "Authorization", "Bearer not a token");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(challenge(r)).startsWith("Bearer error=\"invalid_request\"");
        assertThat(upstream.count()).isZero();
    }

    @Test
    void expiredAndNotYetValidTokensAreInvalid() {
        Instant now = Instant.now();
        String expired = Tokens.sign(key, claims().issueTime(Date.from(now.minusSeconds(7200)))
                .expirationTime(Date.from(now.minusSeconds(3600))).build());
        HttpResponse<String> r = bearer("/orders/1", expired);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(challenge(r)).isEqualTo("Bearer error=\"invalid_token\", error_description=\"the token has expired\"");

        String early = Tokens.sign(key, claims().notBeforeTime(Date.from(now.plusSeconds(600))).build());
        r = bearer("/orders/1", early);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(challenge(r)).contains("invalid_token").contains("not valid yet");

        String withinSkew = Tokens.sign(key, claims().issueTime(Date.from(now.minusSeconds(120))).expirationTime(Date.from(now.minusSeconds(20)))
                .build());
        HttpResponse<String> skewed = bearer("/orders/1", withinSkew);
        assertThat(skewed.statusCode()).as("20 s past exp is within the default 60 s skew: %s", challenge(skewed)).isEqualTo(200);

        String noExpiry = Tokens.sign(key, new JWTClaimsSet.Builder(claims().build()).expirationTime(null).build());
        r = bearer("/orders/1", noExpiry);
        assertThat(r.statusCode()).as("a token without exp would never expire").isEqualTo(401);
        assertThat(challenge(r)).contains("no expiry");
        assertThat(upstream.count()).isEqualTo(1);
    }

    @Test
    void wrongAudienceAndWrongIssuerAreInvalid() {
        HttpResponse<String> r = bearer("/orders/1", Tokens.sign(key, Tokens.claims(ISSUER, "alice", List.of("billing"), Map.of()).build()));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(challenge(r)).contains("invalid_token").contains("audience");
        assertThat(bearer("/orders/1", Tokens.sign(key, Tokens.claims(ISSUER, "alice", List.of("billing", "shop"), Map.of()).build()))
                .statusCode()).as("one accepted audience among others is enough").isEqualTo(200);

        r = bearer("/orders/1", Tokens.sign(key, Tokens.claims("https://evil.example.test/", "alice", List.of("orders"), Map.of()).build()));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(challenge(r)).contains("invalid_token").contains("issuer");
        assertThat(upstream.count()).isEqualTo(1);
    }

    @Test
    void aTokenSignedWithAnotherKeyIsInvalidEvenUnderTheRightKeyId() {
        RSAKey attacker = Tokens.rsaKey("key-1");
        HttpResponse<String> r = bearer("/orders/1", Tokens.sign(attacker, claims().build()));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(challenge(r)).contains("invalid_token").contains("signature");
        HttpResponse<String> other = bearer("/orders/1", Tokens.signAs(attacker, "someone-else", claims().build()));
        assertThat(other.statusCode()).isEqualTo(401);
        assertThat(upstream.count()).isZero();
    }

    @Test
    void unsignedAndKeyConfusionForgeriesAreInvalid() {
        HttpResponse<String> none = bearer("/orders/1", Tokens.unsigned(claims().build()));
        assertThat(none.statusCode()).as("alg none: %s", none.body()).isEqualTo(401);
        assertThat(challenge(none)).contains("invalid_token");

        int fetches = idp.jwksFetches();
        HttpResponse<String> hs = bearer("/orders/1", Tokens.hs256WithPublicKey(key, claims().build()));
        assertThat(hs.statusCode()).as("HS256 with the public key as secret: %s", hs.body()).isEqualTo(401);
        assertThat(challenge(hs)).contains("invalid_token");
        assertThat(idp.jwksFetches()).as("an algorithm that is never accepted costs no key fetch").isEqualTo(fetches);
        assertThat(upstream.count()).isZero();
    }

    @Test
    void aRotatedKeyIsFetchedWhenATokenNamesItAndMadeUpKeyIdsCannotFloodTheKeyServer() throws Exception {
        assertThat(bearer("/orders/1", valid()).statusCode()).isEqualTo(200);
        RSAKey next = Tokens.rsaKey("key-2");
        idp.publish(key, next);
        Thread.sleep(400); // past the minimum refresh interval of the last fetch
        int before = idp.jwksFetches();
        HttpResponse<String> r = bearer("/orders/1", Tokens.sign(next, claims().build()));
        assertThat(r.statusCode()).as("signed by the new key: %s", r.body()).isEqualTo(200);
        assertThat(idp.jwksFetches()).as("one fetch for the unknown key id").isEqualTo(before + 1);

        int flood = idp.jwksFetches();
        RSAKey forger = Tokens.rsaKey("x");
        for (int i = 0; i < 30; i++) {
            assertThat(bearer("/orders/1", Tokens.signAs(forger, "made-up-" + i, claims().build())).statusCode()).isEqualTo(401);
        }
        assertThat(idp.jwksFetches() - flood).as("30 made-up key ids within the minimum interval cost at most one or two fetches")
                .isLessThanOrEqualTo(2);
    }

    @Test
    void aKeyServerOutageKeepsTheLastKeys() throws Exception {
        assertThat(bearer("/orders/1", valid()).statusCode()).isEqualTo(200);
        idp.down();
        try {
            for (int i = 0; i < 5; i++) {
                assertThat(bearer("/orders/" + i, valid()).statusCode()).as("known key, key server down").isEqualTo(200);
            }
            RSAKey unknown = Tokens.rsaKey("key-9");
            HttpResponse<String> r = bearer("/orders/x", Tokens.sign(unknown, claims().build()));
            assertThat(r.statusCode()).as("an unknown key while the server is down is not a key").isEqualTo(401);
            Thread.sleep(400); // past min-refresh-interval: the failed fetch is over, and the next unknown kid may try again
            assertThat(bearer("/orders/y", Tokens.sign(unknown, claims().build())).statusCode()).isEqualTo(401);
            assertThat(bearer("/orders/z", valid()).statusCode()).as("failed fetches never drop the last keys").isEqualTo(200);
            assertThat(gateway.admin("/actuator/auth").body()).as("the outage is visible to the operator").contains("lastError");
        }
        finally {
            idp.up();
        }
    }

    @Test
    void withoutAnyKeysYetATokenCannotBeVerifiedAnd503Says() throws Exception {
        try (JwksServer cold = JwksServer.start(key)) {
            cold.down();
            gateway.writeRoutes(java.nio.file.Files.readString(gateway.routesFile()) + """
                      - name: cold
                        match: {path: {prefix: /cold}}
                        backends: [{url: "%s"}]
                        auth: {jwt: {jwksUri: "%s"}}
                    """.formatted(upstream.url(), cold.jwksUri()));
            HttpResponse<String> r = bearer("/cold/1", valid());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(get("/cold/1").statusCode()).as("no token is still a 401").isEqualTo(401);
            cold.up();
            assertThat(Await.until(Duration.ofSeconds(5), () -> bearer("/cold/1", valid()).statusCode() == 200))
                    .as("served once the key server is back").isTrue();
        }
    }

    @Test
    void aSlowKeyServerNeverHoldsUpOtherRequests() throws Exception {
        try (JwksServer slow = JwksServer.start(key)) {
            slow.delay(Duration.ofSeconds(3));
            gateway.writeRoutes(java.nio.file.Files.readString(gateway.routesFile()) + """
                      - name: slow
                        match: {path: {prefix: /slow}}
                        backends: [{url: "%s"}]
                        auth: {jwt: {jwksUri: "%s"}}
                    """.formatted(upstream.url(), slow.jwksUri()));
            var pool = Executors.newFixedThreadPool(8);
            try {
                List<CompletableFuture<Integer>> waiting = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    waiting.add(CompletableFuture.supplyAsync(() -> bearer("/slow/1", valid()).statusCode(), pool));
                }
                Thread.sleep(300);
                long start = System.nanoTime();
                for (int i = 0; i < 20; i++) {
                    assertThat(get("/plain/" + i).statusCode()).isEqualTo(200);
                    assertThat(bearer("/orders/" + i, valid()).statusCode()).isEqualTo(200);
                }
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertThat(millis).as("40 requests while 8 wait 3 s for keys: the event loops are free").isLessThan(2500);
                for (CompletableFuture<Integer> f : waiting) {
                    assertThat(f.get()).isEqualTo(200);
                }
                assertThat(slow.jwksFetches()).as("the 8 waiting requests shared one fetch").isEqualTo(1);
            }
            finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void anOptionalTokenIsVerifiedWhenPresentAndClaimHeadersAreNeverTheClients() {
        HttpResponse<String> none = get("/optional/1", "X-User", "mallory");
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(upstream.last().header("X-User")).as("without a token the claim header is removed").isNull();
        assertThat(bearer("/optional/1", valid()).statusCode()).isEqualTo(200);
        assertThat(upstream.last().header("X-User")).isEqualTo("alice");
        assertThat(bearer("/optional/1", Tokens.unsigned(claims().build())).statusCode()).as("present but bad").isEqualTo(401);
    }

    @Test
    void aValidTokenWithoutTheRequiredScopeIsForbidden() {
        HttpResponse<String> r = bearer("/scoped/1", Tokens.sign(key, Tokens.claims(ISSUER, "bob", List.of("orders"), Map.of("scope", "orders.read"))
                .build()));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(challenge(r)).contains("error=\"insufficient_scope\"").contains("scope=\"orders.write\"");
        assertThat(bearer("/scoped/1", valid()).statusCode()).isEqualTo(200);
        assertThat(bearer("/scoped/1", Tokens.sign(key, Tokens.claims(ISSUER, "bob", List.of("orders"), Map.of("scp", List.of("orders.write")))
                .build())).statusCode()).as("scp as a list, as some issuers write it").isEqualTo(200);
    }

    @Test
    void forwardTokenPassesTheAuthorizationHeaderOn() {
        String token = valid();
        assertThat(bearer("/forwarded/1", token).statusCode()).isEqualTo(200);
        assertThat(upstream.last().header("Authorization")).isEqualTo("Bearer " + token);
    }

    @Test
    void theIssuersDiscoveryDocumentLeadsToItsKeys() {
        String token = Tokens.sign(key, Tokens.claims(discoveryIdp.issuer(), "carol", List.of("any"), Map.of()).build());
        HttpResponse<String> r = bearer("/discovered/1", token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(discoveryIdp.discoveryFetches()).isGreaterThanOrEqualTo(1);
        assertThat(discoveryIdp.jwksFetches()).isGreaterThanOrEqualTo(1);
        assertThat(bearer("/discovered/1", valid()).statusCode()).as("the discovery issuer is also the required iss").isEqualTo(401);
    }
}
