package dev.isthmus.security;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.jwk.RSAKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.JwksServer;
import dev.isthmus.testsupport.RawHttp;
import dev.isthmus.testsupport.Tokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link HostileRequestsIT}, every case, over a route that requires a JWT (every request carries
 * a valid token, so what is tested is the route's behaviour behind authentication), plus the cases
 * authentication adds: hostile requests without a token never reach an upstream, an oversize or
 * repeated Authorization header, and a client that stalls its body after authenticating.
 */
class AuthenticatedHostileRequestsIT extends HostileRequestsIT {

    static RSAKey key;
    static JwksServer idp;

    @BeforeAll
    static void start() {
        key = Tokens.rsaKey("hostile-1");
        idp = JwksServer.start(key);
        publicUpstream = EchoServer.start("public");
        adminUpstream = EchoServer.start("admin");
        gateway = GatewayApp.start("""
                routes:
                  - name: public
                    match: {path: {prefix: /public}}
                    backends: [{url: "%1$s"}]
                    auth: {jwt: {jwksUri: "%3$s", claimsToHeaders: {sub: X-User}}}
                  - name: internal
                    hosts: [internal.example.com]
                    match: {path: {prefix: /}}
                    backends: [{url: "%2$s"}]
                    auth: {jwt: {jwksUri: "%3$s"}}
                """.formatted(publicUpstream.url(), adminUpstream.url(), idp.jwksUri()),
                Map.of("isthmus.server.read-timeout", "2s", "isthmus.server.request-header-timeout", "2s"));
        credential = "Authorization: Bearer " + Tokens.sign(key, Tokens.claims(null, "alice", List.of(), Map.of()).build());
    }

    @AfterAll
    static void stop() {
        HostileRequestsIT.stop();
        idp.close();
    }

    static String sendWithout(String raw) {
        return RawHttp.exchange(gateway.port(), raw.replace("\n", "\r\n"), 3000);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "/public/../admin", "/public/%2e%2e/admin", "/public/..%2fadmin", "/public/..;/admin", "/PUBLIC/../admin",
            "/public/%00/../admin", "/public/x" })
    void withoutATokenNothingReachesAnUpstream(String path) {
        String response = sendWithout("GET " + path + " HTTP/1.1\nHost: shop.example.com\nConnection: close\n\n");
        assertThat(RawHttp.status(response)).as(path).isIn(400, 401, 404);
        assertThat(publicUpstream.count() + adminUpstream.count()).isZero();
    }

    @Test
    void authenticationIsPerRequestNotPerConnection() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("GET /public/x HTTP/1.1\r\nHost: a\r\n" + credential + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(RawHttp.status(RawHttp.readResponse(in))).isEqualTo(200);
            out.write("GET /public/y HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(RawHttp.status(RawHttp.readResponse(in))).as("the same kept-alive connection, no token").isEqualTo(401);
        }
        assertThat(publicUpstream.received()).extracting(EchoServer.Received::uri).containsExactly("/public/x");
    }

    @Test
    void anOversizeOrRepeatedAuthorizationHeaderIsRefused() {
        String huge = sendWithout("GET /public/x HTTP/1.1\nHost: a\nAuthorization: Bearer " + "a".repeat(64 * 1024) + "\nConnection: close\n\n");
        assertThat(RawHttp.status(huge)).isEqualTo(431);
        String twice = sendWithout("GET /public/x HTTP/1.1\nHost: a\n" + credential + "\n" + credential + "\nConnection: close\n\n");
        assertThat(RawHttp.status(twice)).as("two Authorization headers: which one would the backend read?").isIn(400, 401);
        String forgedUser = sendWithout("GET /public/x HTTP/1.1\nHost: a\n" + credential + "\nX-User: root\nConnection: close\n\n");
        assertThat(RawHttp.status(forgedUser)).isEqualTo(200);
        assertThat(publicUpstream.last().header("X-User")).isEqualTo("alice");
    }

    @Test
    void anAuthenticatedClientThatStallsItsBodyIsCutOffByTheReadTimeout() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 2000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /public/upload HTTP/1.1\r\nHost: a\r\n" + credential + "\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(10))
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            try {
                while (in.read(buf) >= 0) {
                    // whatever the gateway answers (408 or a reset), it must end the connection
                }
            }
            catch (java.net.SocketException reset) {
                // closed by the gateway
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(millis).as("a stalled body is cut off after the 2 s read timeout").isLessThan(6000);
        }
    }
}
