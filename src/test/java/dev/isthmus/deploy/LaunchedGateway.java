package dev.isthmus.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ManagedProcess;
import dev.isthmus.testsupport.RealInfra;

/**
 * The gateway launched the way a deployment launches it: a command line, environment variables
 * (SPRING_CONFIG_ADDITIONAL_LOCATION, JAVA_TOOL_OPTIONS) and a working directory chosen by the
 * test, rather than {@code GatewayProcess}'s fixed ones. Ready when the chart's readiness probe
 * answers 200. The log goes next to the working directory, not into it.
 */
final class LaunchedGateway implements AutoCloseable {

    /** The ports a launch listens on: the gateway port, the admin port and a spare (the redirect listener). */
    record Ports(int gateway, int management, int redirect) {
        static Ports free() {
            return new Ports(RealInfra.freePort(), RealInfra.freePort(), RealInfra.freePort());
        }
    }

    private static final int ATTEMPTS = 3;

    private final ManagedProcess process;
    private final Path log;
    private final Ports ports;

    private LaunchedGateway(ManagedProcess process, Path log, Ports ports) {
        this.process = process;
        this.log = log;
        this.ports = ports;
    }

    /**
     * Starts the command built for free ports, and waits until it is ready. A free port can be
     * taken by another process between the test choosing it and the gateway binding it (the
     * machine is shared): then the launch is repeated on other ports.
     */
    static LaunchedGateway start(Function<Ports, List<String>> command, Map<String, String> env, Path workDir) {
        for (int attempt = 1;; attempt++) {
            Ports ports = Ports.free();
            Path log = workDir.resolveSibling(workDir.getFileName() + "-gateway-" + attempt + ".log");
            LaunchedGateway g = new LaunchedGateway(ManagedProcess.start(command.apply(ports), log, env, workDir), log, ports);
            try {
                g.awaitReady(Duration.ofSeconds(180));
                return g;
            }
            catch (PortTaken e) {
                g.close();
                if (attempt == ATTEMPTS) {
                    throw new IllegalStateException("no free ports after " + ATTEMPTS + " attempts:\n" + g.logTail());
                }
            }
        }
    }

    private static final class PortTaken extends RuntimeException {
        PortTaken() {
            super(null, null, false, false);
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("isthmus.jar", "target/isthmus.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the gateway jar " + jar + " is missing: run ./mvnw package first");
        }
        return jar.toAbsolutePath();
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        boolean ready = Await.until(timeout, () -> {
            String output = log();
            if (output.contains("APPLICATION FAILED TO START") || !process.isAlive()) {
                if (output.contains("already in use")) {
                    throw new PortTaken();
                }
                throw new IllegalStateException("gateway failed to start:\n" + logTail());
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create(managementUrl() + "/actuator/health/readiness")).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            }
            catch (IOException e) {
                return false;
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        if (!ready) {
            throw new IllegalStateException("gateway not ready within " + timeout + ":\n" + logTail());
        }
    }

    Ports ports() {
        return ports;
    }

    String managementUrl() {
        return "http://127.0.0.1:" + ports.management();
    }

    ManagedProcess process() {
        return process;
    }

    String log() {
        try {
            return Files.readString(log);
        }
        catch (IOException e) {
            return "";
        }
    }

    String logTail() {
        List<String> lines = log().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }

    @Override
    public void close() {
        process.close();
    }
}
