package dev.isthmus.server;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The redirect listener on a real port: what a plain-HTTP client gets back. */
class HttpsRedirectListenerTest {

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpsRedirectListener start(int httpsPort, int status) {
        HttpsRedirectProperties p = new HttpsRedirectProperties();
        p.setEnabled(true);
        p.setPort(0);
        p.setAddress("127.0.0.1");
        p.setHttpsPort(httpsPort);
        p.setStatus(status);
        HttpsRedirectListener listener = new HttpsRedirectListener(p, null);
        listener.start();
        return listener;
    }

    private HttpResponse<String> send(HttpsRedirectListener listener, String method, String pathAndQuery, String host) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener.port() + pathAndQuery))
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("payload"))
                .timeout(Duration.ofSeconds(5));
        if (host != null) {
            b.header("Host", host); // allowed by -Djdk.httpclient.allowRestrictedHeaders (pom.xml)
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void redirectsToHttpsWithTheSameHostPathAndQueryLeavingOutPort443() throws Exception {
        HttpsRedirectListener listener = start(443, 308);
        try {
            HttpResponse<String> r = send(listener, "GET", "/shop/cart%20items/?q=a%26b&x=1", "api.example.com:8080");
            assertThat(r.statusCode()).isEqualTo(308);
            assertThat(r.headers().firstValue("Location")).hasValue("https://api.example.com/shop/cart%20items/?q=a%26b&x=1");

            HttpResponse<String> post = send(listener, "POST", "/orders", "api.example.com");
            assertThat(post.statusCode()).as("308 tells the client to repeat the POST, body included").isEqualTo(308);
            assertThat(post.headers().firstValue("Location")).hasValue("https://api.example.com/orders");

            HttpResponse<String> ipv6 = send(listener, "GET", "/", "[2001:db8::1]:8080");
            assertThat(ipv6.headers().firstValue("Location")).hasValue("https://[2001:db8::1]/");
        }
        finally {
            listener.stop();
        }
    }

    @Test
    void namesANonDefaultHttpsPortAndUsesTheConfiguredStatus() throws Exception {
        HttpsRedirectListener listener = start(8443, 301);
        try {
            HttpResponse<String> r = send(listener, "GET", "/a", "gw.example.com");
            assertThat(r.statusCode()).isEqualTo(301);
            assertThat(r.headers().firstValue("Location")).hasValue("https://gw.example.com:8443/a");
        }
        finally {
            listener.stop();
        }
    }

    @Test
    void refusesRequestsWithoutAUsableHost() throws Exception {
        HttpsRedirectListener listener = start(443, 308);
        try {
            assertThat(send(listener, "GET", "/", "evil.example.com/path").statusCode()).isEqualTo(400);
            assertThat(send(listener, "GET", "/", "a b").statusCode()).isEqualTo(400);
            // HTTP/1.0 without a Host header: nothing to redirect to
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                out.write("GET /x HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(status).isEqualTo("HTTP/1.0 400");
            }
        }
        finally {
            listener.stop();
        }
        assertThat(listener.isRunning()).isFalse();
    }

    @Test
    void rejectsAStatusThatIsNotARedirect() {
        HttpsRedirectProperties p = new HttpsRedirectProperties();
        p.setStatus(200);
        assertThatThrownBy(() -> new HttpsRedirectListener(p, null)).hasMessageContaining("isthmus.http-redirect.status");
    }

    @Test
    void keepsOnlyPathAndQueryOfAbsoluteFormRequestTargets() {
        assertThat(HttpsRedirectListener.location("a.example.com", "http://other.example.com/p?q=1", 443))
                .isEqualTo("https://a.example.com/p?q=1");
        assertThat(HttpsRedirectListener.location("a.example.com", "*", 443)).isEqualTo("https://a.example.com/");
        assertThat(HttpsRedirectListener.location("a.example.com", ".evil.example/x", 443)).isEqualTo("https://a.example.com/");
        assertThat(HttpsRedirectListener.location(null, "/", 443)).isNull();
    }
}
