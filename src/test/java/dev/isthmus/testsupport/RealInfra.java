package dev.isthmus.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the real test servers come from, and what happens when one is missing. Order of
 * preference: the local binaries provisioned by {@code scripts/provision-test-infra.sh}, then
 * Testcontainers when a Docker engine is present, then a skip with the reason; except under
 * {@code ISTHMUS_REQUIRE_REAL_INFRA=true} (set by {@code .ci/run}), where a missing server fails
 * the test instead, so no real-infrastructure test can pass by not running.
 */
public final class RealInfra {

    private RealInfra() {
    }

    /** {@code isthmus.infra.home} (set by the build), else {@code ISTHMUS_INFRA_HOME}, else ~/.cache/isthmus-infra. */
    public static Path home() {
        String p = System.getProperty("isthmus.infra.home");
        if (p == null || p.isBlank()) {
            p = System.getenv("ISTHMUS_INFRA_HOME");
        }
        if (p == null || p.isBlank()) {
            p = System.getProperty("user.home") + "/.cache/isthmus-infra";
        }
        return Path.of(p);
    }

    public static boolean required() {
        return "true".equalsIgnoreCase(System.getenv("ISTHMUS_REQUIRE_REAL_INFRA"))
                || "true".equalsIgnoreCase(System.getProperty("isthmus.require-real-infra"));
    }

    /** Fails (when real infrastructure is required) or skips the test, saying why. */
    public static void unavailable(String what, String why) {
        String message = what + " is not available: " + why
                + ". Run scripts/provision-test-infra.sh, or start a Docker engine for Testcontainers.";
        if (required()) {
            Assertions.fail(message + " (ISTHMUS_REQUIRE_REAL_INFRA=true: missing servers fail the run)");
        }
        Assumptions.abort(message);
    }

    public static Path binary(String relative) {
        Path p = home().resolve(relative);
        return Files.isExecutable(p) ? p : null;
    }

    public static boolean dockerAvailable() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        }
        catch (Throwable e) {
            return false;
        }
    }

    /**
     * A loopback port nothing listens on, never one this JVM handed out before: the kernel may
     * give the same ephemeral port to two {@code bind(0)} calls in a row once the first socket is
     * closed, and a server given two equal ports (Consul's Serf WAN and RPC ports, say) refuses to
     * start.
     */
    public static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
            catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("no loopback port that was not handed out before in 100 attempts");
    }

    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();
}
