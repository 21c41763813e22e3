package dev.isthmus.runtime;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.EchoServer.Reply;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A keep-alive connection keeps being read after a request arrives while the previous response is
 * still in flight (pipelining, or a client that sends its next request the moment it has read a
 * response). Reactor Netty 1.3.6 stopped reading such a connection for good when the queued request
 * was answered at once (reactor/reactor-netty#4347); the gateway then never answered that
 * connection again.
 */
class KeepAliveIT {

    static EchoServer upstream;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        upstream = EchoServer.start("up");
        upstream.behave(r -> r.uri().startsWith("/slow") ? Reply.delayed(Duration.ofMillis(50)) : Reply.ok());
        gateway = GatewayApp.start("""
                routes:
                  - {name: slow, match: {path: {prefix: /slow}}, backends: [{url: "%1$s"}]}
                  - {name: fast, match: {path: {prefix: /fast}}, backends: [{url: "%1$s"}]}
                """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @Test
    void aConnectionIsStillReadAfterAQueuedRequestIsAnsweredAtOnce() throws Exception {
        for (int round = 0; round < 20; round++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5000);
                socket.setSoTimeout(5000);
                OutputStream out = socket.getOutputStream();
                InputStream in = new BufferedInputStream(socket.getInputStream());
                // one write: a proxied request that takes 50 ms, then one the gateway answers itself (no route: 404)
                out.write(("GET /slow HTTP/1.1\r\nHost: a.example.com\r\n\r\n"
                        + "GET /no-route HTTP/1.1\r\nHost: a.example.com\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                assertThat(RawHttp.status(RawHttp.readResponse(in))).as("round %d, first response", round).isEqualTo(200);
                assertThat(RawHttp.status(RawHttp.readResponse(in))).as("round %d, second response", round).isEqualTo(404);

                out.write("GET /fast HTTP/1.1\r\nHost: a.example.com\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                try {
                    assertThat(RawHttp.status(RawHttp.readResponse(in))).as("round %d, third response", round).isEqualTo(200);
                }
                catch (SocketTimeoutException e) {
                    fail("round %d: no answer in 5 s to a request on a kept-alive connection after a pipelined pair".formatted(round));
                }
            }
        }
    }
}
