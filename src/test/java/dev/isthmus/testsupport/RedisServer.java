package dev.isthmus.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.testcontainers.containers.GenericContainer;

/** A real redis-server on a free loopback port (Debian's package), else a container, else skip/fail. */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private ManagedProcess process;
    private GenericContainer<?> container;

    private RedisServer(int port) {
        this.port = port;
    }

    public static RedisServer start() {
        RedisServer s = new RedisServer(RealInfra.freePort());
        Path binary = findRedis();
        if (binary != null) {
            s.startProcess(binary);
        }
        else if (RealInfra.dockerAvailable()) {
            s.container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
            s.container.start();
        }
        else {
            RealInfra.unavailable("Redis", "no redis-server on the PATH");
        }
        if (!Await.until(Duration.ofSeconds(20), () -> s.ping())) {
            throw new IllegalStateException("redis-server did not answer PING");
        }
        return s;
    }

    private static Path findRedis() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "redis-server");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private void startProcess(Path binary) {
        try {
            Path dir = Files.createTempDirectory("isthmus-redis");
            process = ManagedProcess.start(List.of(binary.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString()), dir.resolve("redis.log"), Map.of());
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String host() {
        return container != null ? container.getHost() : "127.0.0.1";
    }

    public int port() {
        return container != null ? container.getMappedPort(6379) : port;
    }

    public void kill() {
        if (process != null) {
            process.kill();
        }
        else if (container != null) {
            container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
        }
    }

    public void restart() {
        if (container != null) {
            container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
            return;
        }
        kill();
        startProcess(findRedis());
        Await.until(Duration.ofSeconds(20), this::ping);
    }

    /** Sends one command in RESP and returns the raw reply line(s). */
    public String command(String... args) {
        try (Socket socket = new Socket(host(), port())) {
            socket.setSoTimeout(5000);
            StringBuilder req = new StringBuilder("*" + args.length + "\r\n");
            for (String a : args) {
                req.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[8192];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean ping() {
        try {
            return command("PING").startsWith("+PONG");
        }
        catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
        if (container != null) {
            container.stop();
        }
    }
}
