package dev.isthmus.demo;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.context.SmartLifecycle;

import dev.isthmus.platform.LifecyclePhases;

/**
 * A tiny echo server on 127.0.0.1 for trying the gateway locally ({@code isthmus.demo.enabled},
 * set only by the local profile): answers every request with what it received, as JSON.
 */
public final class DemoUpstream implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DemoUpstream.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private volatile DisposableServer server;

    public DemoUpstream(int port) {
        this.port = port;
    }

    @Override
    public void start() {
        server = HttpServer.create().host("127.0.0.1").port(port).handle((request, response) -> request.receive().aggregate()
                .asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMap(body -> {
                    Map<String, Object> echo = new LinkedHashMap<>();
                    echo.put("upstream", "isthmus-demo");
                    echo.put("method", request.method().name());
                    echo.put("uri", request.uri());
                    Map<String, String> headers = new LinkedHashMap<>();
                    request.requestHeaders().forEach(h -> headers.merge(h.getKey(), h.getValue(), (a, b) -> a + ", " + b));
                    echo.put("headers", headers);
                    echo.put("body", body);
                    try {
                        return response.header("Content-Type", "application/json")
                                .sendString(Mono.just(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(echo) + "\n")).then();
                    }
                    catch (Exception e) {
                        return Mono.error(e);
                    }
                }).then()).bindNow();
        log.info("Demo upstream (echo) listening on http://127.0.0.1:{}", server.port());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.disposeNow();
            server = null;
        }
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    @Override
    public int getPhase() {
        return LifecyclePhases.REGISTRIES; // up before routes start flowing
    }
}
