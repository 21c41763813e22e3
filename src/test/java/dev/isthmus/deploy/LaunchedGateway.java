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

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ManagedProcess;

/**
 * The gateway launched the way a deployment launches it: a command line, environment variables
 * (SPRING_CONFIG_ADDITIONAL_LOCATION, JAVA_TOOL_OPTIONS) and a working directory chosen by the
 * test, rather than {@code GatewayProcess}'s fixed ones. Ready when the chart's readiness probe
 * answers 200.
 */
final class LaunchedGateway implements AutoCloseable {

    private final ManagedProcess process;
    private final Path log;
    private final int managementPort;

    private LaunchedGateway(ManagedProcess process, Path log, int managementPort) {
        this.process = process;
        this.log = log;
        this.managementPort = managementPort;
    }

    static LaunchedGateway start(List<String> command, Map<String, String> env, Path workDir, int managementPort) {
        Path log = workDir.resolve("gateway.log");
        LaunchedGateway g = new LaunchedGateway(ManagedProcess.start(command, log, env, workDir), log, managementPort);
        g.awaitReady(Duration.ofSeconds(120));
        return g;
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
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway exited:\n" + logTail());
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

    String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
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
