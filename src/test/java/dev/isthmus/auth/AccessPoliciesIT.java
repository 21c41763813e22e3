package dev.isthmus.auth;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.jwk.RSAKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;
import dev.isthmus.testsupport.JwksServer;
import dev.isthmus.testsupport.Tokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real jar with every access policy at once: auth.basic from a bcrypt htpasswd file (and its
 * reload), ipAllow/ipDeny on the client address behind a trusted proxy, named policies from the
 * routes file and from the operator's properties, and, last, a grep of everything the gateway
 * logged (DEBUG, access log on) and served on its admin port (routes, sources, metrics, the
 * diagnostics page) for the passwords and tokens the clients sent.
 */
class AccessPoliciesIT {

    static final String PASSWORD = "correct-horse-battery-9f3a";
    static final String OTHER_PASSWORD = "second-users-secret-77c1";
    static final String WRONG_PASSWORD = "wrong-guess-0d1e";
    static final BCryptPasswordEncoder BCRYPT = new BCryptPasswordEncoder(10);

    static Path dir;
    static Path htpasswd;
    static RSAKey key;
    static JwksServer idp;
    static EchoServer upstream;
    static EchoServer authz;
    static GatewayProcess gateway;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Every credential a client sent, for the grep at the end. */
    static final List<String> sent = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("isthmus-access");
        htpasswd = dir.resolve("htpasswd");
        // htpasswd -B writes $2y$; Spring Security's encoder $2a$: both are read
        Files.writeString(htpasswd, """
                # ops team
                alice:%s
                md5user:$apr1$abcdefgh$0123456789012345678901
                """.formatted(BCRYPT.encode(PASSWORD).replaceFirst("^\\$2a\\$", "\\$2y\\$")));
        key = Tokens.rsaKey("k1");
        idp = JwksServer.start(key);
        upstream = EchoServer.start("app");
        authz = EchoServer.start("authz");
        Map<String, String> props = new LinkedHashMap<>();
        props.put("isthmus.server.trusted-proxies", "127.0.0.1");
        props.put("isthmus.access-log.enabled", "true");
        props.put("logging.level.dev.isthmus", "DEBUG");
        props.put("isthmus.auth.credentials.refresh-interval", "1s");
        // the operator's named policy
        props.put("isthmus.auth.policies.office.ip-allow", "10.20.0.0/16");
        props.put("isthmus.auth.policies.office.ip-deny", "10.20.9.0/24");
        gateway = GatewayProcess.start(props, """
                policies:
                  - name: ops-users
                    auth: {basic: {file: "%2$s", realm: "Ops", userHeader: X-User}}
                routes:
                  - name: basic
                    match: {path: {prefix: /basic}}
                    backends: [{url: "%1$s"}]
                    auth: {policy: ops-users}
                  - name: basic-too
                    match: {path: {prefix: /also}}
                    backends: [{url: "%1$s"}]
                    auth: {policy: ops-users}
                  - name: office
                    match: {path: {prefix: /office}}
                    backends: [{url: "%1$s"}]
                    auth: {policy: office}
                  - name: listed
                    match: {path: {prefix: /listed}}
                    backends: [{url: "%1$s"}]
                    ipAllow: [10.0.0.0/8, "2001:db8::/32"]
                    ipDeny: [10.66.0.0/16]
                  - name: jwt
                    match: {path: {prefix: /jwt}}
                    backends: [{url: "%1$s"}]
                    auth: {jwt: {jwksUri: "%3$s", claimsToHeaders: {sub: X-User}}}
                  - name: checked
                    match: {path: {prefix: /checked}}
                    backends: [{url: "%1$s"}]
                    auth: {forward: {url: "%4$s/check", requestHeaders: [Authorization, Cookie], cacheTtl: 10s}}
                """.formatted(upstream.url(), htpasswd, idp.jwksUri(), authz.url()));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        upstream.close();
        authz.close();
        idp.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    static HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url() + path)).timeout(Duration.ofSeconds(10)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String basic(String user, String password) {
        sent.add(password);
        String pair = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        sent.add(pair);
        return "Basic " + pair;
    }

    static HttpResponse<String> admin(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void basicAuthFromAnHtpasswdFileThroughANamedPolicy() throws Exception {
        HttpResponse<String> none = get("/basic/x");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"Ops\", charset=\"UTF-8\"");

        HttpResponse<String> ok = get("/basic/x", "Authorization", basic("alice", PASSWORD), "X-User", "root");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(upstream.last().header("X-User")).as("the checked user, never the client's copy").isEqualTo("alice");
        assertThat(upstream.last().header("Authorization")).as("the credentials stay at the gateway").isNull();
        assertThat(get("/also/x", "Authorization", basic("alice", PASSWORD)).statusCode()).as("the policy, reused by a second route")
                .isEqualTo(200);

        assertThat(get("/basic/x", "Authorization", basic("alice", WRONG_PASSWORD)).statusCode()).as("wrong password").isEqualTo(401);
        assertThat(get("/basic/x", "Authorization", basic("mallory", PASSWORD)).statusCode()).as("unknown user").isEqualTo(401);
        assertThat(get("/basic/x", "Authorization", basic("md5user", "anything")).statusCode()).as("a non-bcrypt entry never logs in")
                .isEqualTo(401);
        assertThat(get("/basic/x", "Authorization", "Basic !!!not-base64").statusCode()).isEqualTo(401);
        assertThat(get("/basic/x", "Authorization", "Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes())).statusCode())
                .isEqualTo(401);
        assertThat(get("/basic/x", "Authorization", "Bearer " + PASSWORD).statusCode()).as("another scheme").isEqualTo(401);
        int before = upstream.count();
        assertThat(before).isEqualTo(2);

        // the file changes: a new user logs in, a removed one no longer does (refresh every 1 s, off the request path)
        Files.writeString(htpasswd, "bob:" + BCRYPT.encode(OTHER_PASSWORD) + "\n");
        assertThat(Await.until(Duration.ofSeconds(15), () -> get("/basic/x", "Authorization", basic("bob", OTHER_PASSWORD)).statusCode() == 200))
                .as("bob, added to the file, logs in").isTrue();
        assertThat(get("/basic/x", "Authorization", basic("alice", PASSWORD)).statusCode()).as("alice, removed").isEqualTo(401);
    }

    @Test
    void addressListsUseTheClientBehindTheTrustedProxy() {
        assertThat(get("/listed/x", "X-Forwarded-For", "10.1.2.3").statusCode()).as("client 10.1.2.3 via the trusted proxy").isEqualTo(200);
        assertThat(upstream.last().header("X-Forwarded-For")).as("the chain goes on, with the proxy appended").isEqualTo("10.1.2.3, 127.0.0.1");
        assertThat(get("/listed/x").statusCode()).as("the proxy (127.0.0.1) itself is not listed").isEqualTo(403);
        assertThat(get("/listed/x", "X-Forwarded-For", "192.0.2.9").statusCode()).isEqualTo(403);
        assertThat(get("/listed/x", "X-Forwarded-For", "10.1.2.3, 192.0.2.9").statusCode())
                .as("a client forging an allowed address to the left: the rightmost untrusted address is the client").isEqualTo(403);
        assertThat(get("/listed/x", "X-Forwarded-For", "192.0.2.9, 10.1.2.3").statusCode()).isEqualTo(200);
        assertThat(get("/listed/x", "Forwarded", "for=\"[2001:db8::7]\"").statusCode()).as("IPv6 through Forwarded").isEqualTo(200);
        assertThat(get("/listed/x", "X-Forwarded-For", "10.66.1.1").statusCode()).as("ipDeny inside ipAllow").isEqualTo(403);
        HttpResponse<String> denied = get("/listed/x", "X-Forwarded-For", "192.0.2.9");
        assertThat(denied.body()).doesNotContain("192.0.2.9").doesNotContain("10.0.0.0");

        // the operator's named policy (properties) with its own allow and deny lists
        assertThat(get("/office/x", "X-Forwarded-For", "10.20.1.1").statusCode()).isEqualTo(200);
        assertThat(get("/office/x", "X-Forwarded-For", "10.20.9.1").statusCode()).isEqualTo(403);
        assertThat(get("/office/x", "X-Forwarded-For", "10.21.0.1").statusCode()).isEqualTo(403);
    }

    @Test
    void credentialsNeverReachLogsMetricsStatusOrTheDiagnosticsPage() {
        // every kind of credential, good and bad
        assertThat(get("/basic/x", "Authorization", basic("bob", OTHER_PASSWORD)).statusCode()).isIn(200, 401);
        get("/basic/x", "Authorization", basic("alice", WRONG_PASSWORD));
        String token = Tokens.sign(key, Tokens.claims(null, "carol", List.of(), Map.of()).build());
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA" + token.substring(token.lastIndexOf('.') + 5);
        String wrongKey = Tokens.sign(Tokens.rsaKey("k1"), Tokens.claims(null, "carol", List.of(), Map.of()).build());
        for (String t : List.of(token, forged, wrongKey)) {
            sent.add(t);
            // the signature (the part a log line would give away) is checked on its own as well
            sent.add(t.substring(t.lastIndexOf('.') + 1));
        }
        assertThat(get("/jwt/x", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
        assertThat(get("/jwt/x", "Authorization", "Bearer " + forged).statusCode()).isEqualTo(401);
        assertThat(get("/jwt/x", "Authorization", "Bearer " + wrongKey).statusCode()).isEqualTo(401);
        String cookie = "session-cookie-value-5be0c2";
        sent.add(cookie);
        authz.behave(r -> EchoServer.Reply.status(403));
        assertThat(get("/checked/x", "Authorization", "Bearer " + PASSWORD, "Cookie", "sid=" + cookie).statusCode()).isEqualTo(403);
        authz.behave(r -> EchoServer.Reply.ok());
        assertThat(get("/checked/y", "Cookie", "sid=" + cookie).statusCode()).isEqualTo(200);

        List<String> served = new ArrayList<>();
        for (String path : List.of("/actuator/routes", "/actuator/sources", "/actuator/auth", "/actuator/prometheus", "/actuator/gateway/routes",
                "/", "/actuator/upstreams", "/actuator/health")) {
            HttpResponse<String> r = admin(path);
            assertThat(r.statusCode()).as(path).isLessThan(500);
            served.add(path + "\n" + r.body());
        }
        assertThat(String.join("\n", served)).as("the admin port describes the auth routes").contains("ops-users").contains("auth.basic");
        HttpResponse<String> auth = admin("/actuator/auth");
        assertThat(auth.body()).as("/actuator/auth: the key set and the htpasswd file, by name").contains(idp.jwksUri()).contains("\"k1\"")
                .contains("file " + htpasswd).contains("\"users\":1").doesNotContain("$2");
        assertThat(Await.until(Duration.ofSeconds(5), () -> gateway.log().contains("/checked/y"))).as("access log written").isTrue();
        String log = gateway.log();
        assertThat(sent).hasSizeGreaterThan(10);
        for (String credential : sent) {
            assertThat(log).as("the gateway's log").doesNotContain(credential);
            for (String page : served) {
                assertThat(page).as("what the admin port served").doesNotContain(credential);
            }
        }
        assertThat(log).doesNotContain(htpasswdHashPrefix());
    }

    /** The start of a bcrypt hash in the file: the log names the file, never its content. */
    private static String htpasswdHashPrefix() {
        try {
            String text = Files.readString(htpasswd);
            int at = text.indexOf("$2");
            return text.substring(at, at + 20);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
