package dev.isthmus.testsupport;

import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** A real WebSocket upstream: echoes every text frame back, prefixed with "echo:". */
public final class WebSocketEchoServer implements AutoCloseable {

    private final DisposableServer server;

    private WebSocketEchoServer(DisposableServer server) {
        this.server = server;
    }

    public static WebSocketEchoServer start() {
        return new WebSocketEchoServer(HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes.ws("/ws", (in, out) -> out.sendString(in.receive().asString().map(s -> "echo:" + s))))
                .bindNow());
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
