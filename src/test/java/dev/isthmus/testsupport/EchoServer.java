package dev.isthmus.testsupport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.unix.DomainSocketAddress;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;

/**
 * A real upstream HTTP server for tests: answers every request with JSON describing what it
 * received (its own name, method, URI, headers, body) and records it. Tests can make it fail,
 * slow down, or answer differently per request, and kill it.
 */
public final class EchoServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the server saw. */
    public record Received(String method, String uri, Map<String, String> headers, String body) {
        public String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue();
                }
            }
            return null;
        }
    }

    /** A canned answer. */
    public record Reply(int status, Duration delay, Map<String, String> headers) {
        public static Reply ok() {
            return new Reply(200, Duration.ZERO, Map.of());
        }

        public static Reply status(int status) {
            return new Reply(status, Duration.ZERO, Map.of());
        }

        public static Reply delayed(Duration delay) {
            return new Reply(200, delay, Map.of());
        }
    }

    private final io.netty.channel.group.ChannelGroup connections =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    private final String name;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger connectionsOpened = new AtomicInteger();
    private volatile Function<Received, Reply> behaviour = r -> Reply.ok();
    private volatile DisposableServer server;
    private final String host;
    private final int port;
    private final Path socket;
    private TestNetwork.Exposure exposure;

    private EchoServer(String name, String host, int port, Path socket) {
        this.name = name;
        this.host = host;
        this.port = port;
        this.socket = socket;
    }

    public static EchoServer start(String name) {
        return start(name, 0);
    }

    public static EchoServer start(String name, int port) {
        return start(name, "127.0.0.1", port);
    }

    public static EchoServer start(String name, String host, int port) {
        EchoServer s = new EchoServer(name, host, port, null);
        s.bind();
        return s;
    }

    /**
     * Reachable at the address of the test's network namespace: Kubernetes refuses loopback
     * addresses in EndpointSlices, and tests never use this machine's own interface addresses. The
     * server itself runs here, on a Unix socket that the namespace's forwarder relays to, so tests
     * steer and observe it as any other; {@link #kill()} also stops the namespace's listener.
     */
    public static EchoServer start(String name, TestNetwork network) {
        EchoServer s = new EchoServer(name, network.address(), 0, network.socketPath(name));
        s.bind();
        s.exposure = network.expose(s.socket);
        return s;
    }

    private void bind() {
        HttpServer http = socket == null ? HttpServer.create().host(host).port(port)
                : HttpServer.create().bindAddress(() -> new DomainSocketAddress(socket.toString()));
        server = http.channelGroup(connections)
                // per channel: doOnConnection fires per request on a kept-alive HTTP/1.1 connection
                .doOnChannelInit((observer, channel, address) -> connectionsOpened.incrementAndGet()).handle((request, response) -> request.receive().aggregate()
                .asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMap(body -> {
                    Received r = new Received(request.method().name(), request.uri(), headers(request), body);
                    received.add(r);
                    count.incrementAndGet();
                    Reply reply = behaviour.apply(r);
                    Map<String, Object> echo = new LinkedHashMap<>();
                    echo.put("server", name);
                    echo.put("method", r.method());
                    echo.put("uri", r.uri());
                    echo.put("headers", r.headers());
                    echo.put("body", body);
                    String json;
                    try {
                        json = JSON.writeValueAsString(echo);
                    }
                    catch (Exception e) {
                        return Mono.error(e);
                    }
                    response.status(reply.status()).header("Content-Type", "application/json").header("X-Upstream", name)
                            .header("Server", "echo");
                    reply.headers().forEach(response::header);
                    Mono<Void> send = response.sendString(Mono.just(json)).then();
                    return reply.delay().isZero() ? send : Mono.delay(reply.delay()).then(send);
                })).bindNow();
    }

    private static Map<String, String> headers(HttpServerRequest request) {
        Map<String, String> out = new LinkedHashMap<>();
        request.requestHeaders().forEach(h -> out.merge(h.getKey(), h.getValue(), (a, b) -> a + "," + b));
        return out;
    }

    public String name() {
        return name;
    }

    public int port() {
        return exposure != null ? exposure.port() : server.port();
    }

    public String host() {
        return host;
    }

    public String url() {
        return "http://" + host + ":" + port();
    }

    public void behave(Function<Received, Reply> behaviour) {
        this.behaviour = behaviour;
    }

    public List<Received> received() {
        return received;
    }

    public Received last() {
        return received.isEmpty() ? null : received.get(received.size() - 1);
    }

    public int count() {
        return count.get();
    }

    /** TCP connections accepted since start (connection reuse: a pooled client opens few). */
    public int connectionsOpened() {
        return connectionsOpened.get();
    }

    public void reset() {
        received.clear();
        count.set(0);
        behaviour = r -> Reply.ok();
    }

    /**
     * Stops listening and drops every open connection (a dead instance). Without the channel group,
     * disposing a Reactor Netty server only closes its listening socket: keep-alive connections
     * would go on being served.
     */
    public void kill() {
        if (exposure != null) {
            exposure.close();
        }
        if (server != null) {
            server.disposeNow(Duration.ofSeconds(5));
            connections.close().awaitUninterruptibly(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        kill();
    }
}
