package dev.isthmus.admin;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The admin port as an attacker inside the network sees it, against the real jar: bound to one
 * address, credentials from files (as a Secret mount gives them) for everything but the probes,
 * health details only for authenticated callers, route header values never shown, and the
 * diagnostics page served with a Content-Security-Policy.
 */
class AdminSurfaceIT {

    static EchoServer upstream;
    static GatewayProcess gateway;
    static Path secrets;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        upstream = EchoServer.start("up");
        secrets = Files.createTempDirectory("isthmus-admin-secret");
        Files.writeString(secrets.resolve("token"), "first-token\n");
        Files.writeString(secrets.resolve("users"), "# operators\nops:correct horse\n");
        gateway = GatewayProcess.start(Map.of("management.server.address", "127.0.0.1",
                "isthmus.admin.auth.bearer-token-file", secrets.resolve("token").toString(),
                "isthmus.admin.auth.basic-credentials-file", secrets.resolve("users").toString()), """
                routes:
                  - name: keyed
                    match: {path: {prefix: /keyed}}
                    requestHeaders: {set: {X-Api-Key: s3cr3t-upstream-key}, add: {X-Extra: also-secret}}
                    responseHeaders: {set: {X-Served-By: private-value}}
                    backends: [{url: "%s"}]
                """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    static HttpResponse<String> admin(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.managementUrl() + path)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status, or -1 when the request fails (for polling). */
    static int code(String path, String authorization) {
        try {
            return admin(path, authorization).statusCode();
        }
        catch (Exception e) {
            return -1;
        }
    }

    static String bearer(String token) {
        return "Bearer " + token;
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theAdminPortListensOnlyOnTheConfiguredAddress() throws Exception {
        int port = URI.create(gateway.managementUrl()).getPort();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.2", port), 2000);
            }
        }).as("127.0.0.2 is another local address: nothing listens there").isInstanceOf(ConnectException.class);
    }

    @Test
    void everythingButTheProbesNeedsCredentials() throws Exception {
        for (String path : List.of("/actuator/routes", "/actuator/upstreams", "/actuator/sources", "/actuator/auth", "/actuator/prometheus",
                "/actuator/gateway/routes", "/actuator/info", "/")) {
            HttpResponse<String> r = admin(path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).get().asString().contains("Basic realm=").contains("Bearer realm=");
            assertThat(r.body()).doesNotContain("keyed");
            assertThat(admin(path, bearer("wrong-token")).statusCode()).as("%s with a wrong token", path).isEqualTo(401);
            assertThat(admin(path, basic("ops", "wrong")).statusCode()).as("%s with a wrong password", path).isEqualTo(401);
            assertThat(admin(path, bearer("first-token")).statusCode()).as("%s with the token", path).isEqualTo(200);
            assertThat(admin(path, basic("ops", "correct horse")).statusCode()).as("%s with basic credentials", path).isEqualTo(200);
        }
        assertThat(admin("/actuator/health/liveness", null).statusCode()).isEqualTo(200);
        assertThat(admin("/actuator/health/readiness", null).statusCode()).isEqualTo(200);
    }

    @Test
    void healthDetailsOnlyForAuthenticatedCallers() throws Exception {
        HttpResponse<String> anonymous = admin("/actuator/health", null);
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(anonymous.body()).contains("\"status\":\"UP\"").doesNotContain("components").doesNotContain("routing");
        assertThat(admin("/actuator/health/readiness", null).body()).doesNotContain("components");
        HttpResponse<String> operator = admin("/actuator/health", bearer("first-token"));
        assertThat(operator.body()).contains("\"components\"").contains("\"routing\"");
    }

    @Test
    void routeHeaderValuesAreNeverShown() throws Exception {
        String routes = admin("/actuator/routes", bearer("first-token")).body();
        assertThat(routes).contains("\"X-Api-Key\":\"******\"", "\"X-Extra\":\"******\"", "\"X-Served-By\":\"******\"")
                .doesNotContain("s3cr3t-upstream-key", "also-secret", "private-value");
        String scg = admin("/actuator/gateway/routes", bearer("first-token")).body();
        assertThat(scg).contains("SetRequestHeader X-Api-Key = ******").doesNotContain("s3cr3t-upstream-key", "also-secret", "private-value");
        // the upstream still gets them
        assertThat(http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/keyed/x")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        assertThat(upstream.last().header("X-Api-Key")).isEqualTo("s3cr3t-upstream-key");
    }

    @Test
    void theDiagnosticsPageIsServedWithAContentSecurityPolicy() throws Exception {
        HttpResponse<String> page = admin("/", basic("ops", "correct horse"));
        assertThat(page.statusCode()).isEqualTo(200);
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'none'", "frame-ancestors 'none'", "connect-src 'self'").containsPattern("script-src 'sha256-[^']+'")
                .doesNotContain("unsafe-inline");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(admin("/actuator/routes", bearer("first-token")).headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void theAdminEndpointsAreNeverServedOnTheGatewayPort() throws Exception {
        for (String path : List.of("/actuator/routes", "/actuator/health", "/")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).header("Authorization", bearer("first-token"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(404);
        }
    }

    @Test
    void aRotatedSecretAppliesWithoutARestart() throws Exception {
        Path token = secrets.resolve("token");
        Path next = secrets.resolve("token.next");
        Files.writeString(next, "second-token");
        // the way a kubelet updates a Secret volume: the new content appears at once
        Files.move(next, token, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        try {
            assertThat(Await.until(Duration.ofSeconds(10), () -> code("/actuator/routes", bearer("second-token")) == 200)).isTrue();
            assertThat(admin("/actuator/routes", bearer("first-token")).statusCode()).isEqualTo(401);
        }
        finally {
            Files.writeString(token, "first-token");
            Await.until(Duration.ofSeconds(10), () -> code("/actuator/routes", bearer("first-token")) == 200);
        }
    }
}
