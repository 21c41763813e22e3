package dev.isthmus.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.isthmus.testsupport.RealInfra;

/**
 * A user's command-line tool, the real binary from the provisioned cache, pointed at a test API
 * server by its kubeconfig: kubectl (kube-api-test's) and helm. Standard output and standard
 * error are kept apart, so {@code -o json} stays parseable when the tool warns.
 */
final class Tool {

    /** What one command did. */
    record Run(List<String> command, int exitCode, String out, String err) {
        Run ok() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (exit " + exitCode + "):\n" + err + out);
            }
            return this;
        }
    }

    private final Path binary;
    private final Map<String, String> env;

    private Tool(Path binary, Map<String, String> env) {
        this.binary = binary;
        this.env = env;
    }

    /** kube-api-test's kubectl (the API server's own version), or a skip/failure saying why. */
    static Tool kubectl(Path kubeconfig) {
        Path k8s = RealInfra.home().resolve("kubeapitest/k8s");
        Path found = null;
        try (var dirs = Files.list(k8s)) {
            found = dirs.map(d -> d.resolve("kubectl")).filter(Files::isExecutable).sorted().findFirst().orElse(null);
        }
        catch (IOException e) {
            // reported below
        }
        if (found == null) {
            RealInfra.unavailable("kubectl", "no executable kubectl under " + k8s);
        }
        return new Tool(found, Map.of("KUBECONFIG", kubeconfig.toString()));
    }

    /** The provisioned helm, with a private home: no repositories, caches or plugins of the machine's user. */
    static Tool helm(Path kubeconfig, Path home) {
        Path helm = RealInfra.binary("bin/helm");
        if (helm == null) {
            RealInfra.unavailable("helm", "no executable " + RealInfra.home().resolve("bin/helm"));
        }
        return new Tool(helm, Map.of("KUBECONFIG", kubeconfig.toString(), "HELM_CACHE_HOME", home.resolve("cache").toString(),
                "HELM_CONFIG_HOME", home.resolve("config").toString(), "HELM_DATA_HOME", home.resolve("data").toString()));
    }

    Run run(String... args) {
        return pipe(null, args);
    }

    /** Runs the tool with {@code stdin} (or none) on its standard input. */
    Run pipe(String stdin, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putAll(env);
            Process p = pb.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " timed out");
            }
            return new Run(cmd.subList(1, cmd.size()), p.exitValue(), out.join(), err.join());
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            return "";
        }
    }
}
