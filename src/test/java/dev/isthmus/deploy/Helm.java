package dev.isthmus.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.isthmus.testsupport.RealInfra;

/**
 * The real helm binary ({@code scripts/provision-test-infra.sh} builds it into the infra cache),
 * run against charts/isthmus. Missing helm skips the test, or fails it under
 * ISTHMUS_REQUIRE_REAL_INFRA=true.
 */
final class Helm {

    static final Path CHART = Path.of("charts/isthmus");
    static final Path EXAMPLES = CHART.resolve("examples");
    /** The kube-apiserver version the tests run (kube-api-test binaries), so Capabilities match it. */
    static final String KUBE_VERSION = "1.34.4";

    /** The outcome of one helm command. */
    record Result(int exitCode, String output) {
        Result orFail(String what) {
            if (exitCode != 0) {
                throw new AssertionError(what + " failed (exit " + exitCode + "):\n" + output);
            }
            return this;
        }
    }

    private final Path binary;

    private Helm(Path binary) {
        this.binary = binary;
    }

    static Helm require() {
        Path helm = RealInfra.binary("bin/helm");
        if (helm == null) {
            RealInfra.unavailable("helm", "no executable " + RealInfra.home().resolve("bin/helm"));
        }
        return new Helm(helm);
    }

    static List<Path> examples() {
        try (var files = Files.list(EXAMPLES)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    Result lintStrict(List<Path> valuesFiles, Map<String, String> sets) {
        List<String> args = new ArrayList<>(List.of("lint", "--strict", CHART.toString(), "--kube-version", KUBE_VERSION));
        addValues(args, valuesFiles, sets);
        return run(args);
    }

    /** helm template, CRDs included: every manifest helm install would send, as one YAML stream. */
    Result template(String release, String namespace, List<Path> valuesFiles, Map<String, String> sets) {
        return template(release, namespace, valuesFiles, sets, List.of());
    }

    /** @param apiVersions what the cluster is to serve besides the built-in APIs ({@code --api-versions}), for .Capabilities */
    Result template(String release, String namespace, List<Path> valuesFiles, Map<String, String> sets, List<String> apiVersions) {
        List<String> args = new ArrayList<>(List.of("template", release, CHART.toString(), "--namespace", namespace,
                "--include-crds", "--kube-version", KUBE_VERSION));
        apiVersions.forEach(v -> args.addAll(List.of("--api-versions", v)));
        addValues(args, valuesFiles, sets);
        return run(args);
    }

    private static void addValues(List<String> args, List<Path> valuesFiles, Map<String, String> sets) {
        for (Path f : valuesFiles) {
            args.add("--values");
            args.add(f.toString());
        }
        sets.forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + v);
        });
    }

    Result run(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(args);
        try {
            Path home = Files.createTempDirectory("helm-home");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            // no repositories, caches or plugins of the machine's user
            pb.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
            pb.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
            pb.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("helm " + String.join(" ", args) + " timed out");
            }
            deleteTree(home);
            return new Result(p.exitValue(), out);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
