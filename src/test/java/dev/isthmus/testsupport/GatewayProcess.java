package dev.isthmus.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real gateway: the packaged jar ({@code isthmus.jar} system property, set by Failsafe) run as
 * its own JVM on free ports, with properties given on the command line. Waits for readiness on the
 * management port.
 */
public final class GatewayProcess implements AutoCloseable {

    private final int port = RealInfra.freePort();
    private final int managementPort = RealInfra.freePort();
    private final ManagedProcess process;
    private final Path workDir;

    private GatewayProcess(Map<String, String> properties, Path workDir, List<String> jvmArgs, Map<String, String> env) {
        this.workDir = workDir;
        String jar = System.getProperty("isthmus.jar", "target/isthmus.jar");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("the gateway jar " + jar + " is missing: run ./mvnw package first");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", Path.of(jar).toAbsolutePath().toString()));
        Map<String, String> props = new LinkedHashMap<>();
        props.put("server.port", String.valueOf(port));
        props.put("management.server.port", String.valueOf(managementPort));
        props.put("isthmus.file.path", workDir.resolve("routes.yaml").toString());
        // Tests may run upstreams only on loopback (or in network namespaces they create), and Consul
        // instances registered at 127.0.0.1 are a tenant's destinations: allowed here, denied by default in
        // the product; the ownership tests set it back to false (OwnershipIT).
        props.put("isthmus.ownership.destinations.allow-loopback", "true");
        props.putAll(properties);
        props.forEach((k, v) -> cmd.add("--" + k + "=" + v));
        // its own working directory, so the repository's config/ stays out of it
        this.process = ManagedProcess.start(cmd, workDir.resolve("gateway.log"), env, workDir);
    }

    public static GatewayProcess start(Map<String, String> properties, String routesYaml) {
        return start(properties, routesYaml, List.of("-Xmx512m"));
    }

    public static GatewayProcess start(Map<String, String> properties, String routesYaml, List<String> jvmArgs) {
        return start(properties, routesYaml, jvmArgs, Map.of());
    }

    /** With extra environment variables, e.g. those the kubelet sets in every pod. */
    public static GatewayProcess start(Map<String, String> properties, String routesYaml, List<String> jvmArgs, Map<String, String> env) {
        try {
            // A free port can be taken by someone else before the gateway binds it (on a shared
            // machine, an outgoing connection's ephemeral port): then once more on fresh ports.
            for (int attempt = 1;; attempt++) {
                Path dir = Files.createTempDirectory("isthmus-gw");
                Files.writeString(dir.resolve("routes.yaml"), routesYaml == null ? "routes: []\n" : routesYaml);
                GatewayProcess g = new GatewayProcess(properties, dir, jvmArgs, env);
                try {
                    g.awaitReady(Duration.ofSeconds(90));
                    return g;
                }
                catch (PortTaken e) {
                    g.close();
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        boolean ok = Await.until(timeout, () -> {
            if (log().contains("was already in use")) {
                throw new PortTaken(logTail());
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway exited: " + logTail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(managementUrl() + "/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200;
            }
            catch (IOException e) {
                return false;
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        if (!ok) {
            throw new IllegalStateException("gateway not ready within " + timeout + ":\n" + logTail());
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public int port() {
        return port;
    }

    public Path routesFile() {
        return workDir.resolve("routes.yaml");
    }

    public ManagedProcess process() {
        return process;
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(workDir.resolve("gateway.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        }
        catch (IOException e) {
            return "(no log)";
        }
    }

    public String log() {
        try {
            return Files.readString(workDir.resolve("gateway.log"));
        }
        catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        process.close();
    }

    /** The gateway could not bind a port chosen for it. */
    static final class PortTaken extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTaken(String log) {
            super("a port was taken before the gateway could bind it:\n" + log);
        }
    }
}
