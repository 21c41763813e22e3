package dev.isthmus.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real identity provider's key endpoints on loopback, for tests: {@code /jwks.json} serves the
 * public parts of the current keys, {@code /.well-known/openid-configuration} the discovery
 * document naming it. Keys can be rotated, answers delayed, and the server stopped (an outage) and
 * started again on the same port. Counts the key set fetches.
 */
public final class JwksServer implements AutoCloseable {

    private final int port;
    private final List<JWK> keys = new CopyOnWriteArrayList<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private final AtomicInteger discoveryFetches = new AtomicInteger();
    private volatile Duration delay = Duration.ZERO;
    private volatile HttpServer server;

    private JwksServer(int port) {
        this.port = port;
    }

    public static JwksServer start(JWK... keys) {
        JwksServer s = new JwksServer(RealInfra.freePort());
        s.keys.addAll(List.of(keys));
        s.up();
        return s;
    }

    /** The issuer whose discovery document this server serves: its own base URL. */
    public String issuer() {
        return "http://127.0.0.1:" + port;
    }

    public String jwksUri() {
        return issuer() + "/jwks.json";
    }

    public int port() {
        return port;
    }

    /** Replaces the published keys (a rotation). */
    public void publish(JWK... keys) {
        this.keys.clear();
        this.keys.addAll(List.of(keys));
    }

    public void delay(Duration delay) {
        this.delay = delay;
    }

    public int jwksFetches() {
        return jwksFetches.get();
    }

    public int discoveryFetches() {
        return discoveryFetches.get();
    }

    /** Starts (again) on the same port. */
    public synchronized void up() {
        if (server != null) {
            return;
        }
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            s.createContext("/jwks.json", x -> {
                jwksFetches.incrementAndGet();
                answer(x, new JWKSet(List.copyOf(keys)).toPublicJWKSet().toString());
            });
            s.createContext("/.well-known/openid-configuration", x -> {
                discoveryFetches.incrementAndGet();
                answer(x, "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + jwksUri() + "\"}");
            });
            s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "jwks-server");
                t.setDaemon(true);
                return t;
            }));
            s.start();
            server = s;
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops listening: fetches are refused until {@link #up()}. */
    public synchronized void down() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    private void answer(HttpExchange x, String json) throws IOException {
        Duration d = delay;
        if (!d.isZero()) {
            try {
                Thread.sleep(d.toMillis());
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(200, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        down();
    }
}
