package dev.isthmus.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child process started by a test: output goes to a log file, and it is killed when the test
 * JVM exits even if the test forgot to stop it.
 */
public final class ManagedProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final Thread reaper;

    private ManagedProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.reaper = new Thread(this::kill);
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    public static ManagedProcess start(List<String> command, Path log, java.util.Map<String, String> env) {
        return start(command, log, env, null);
    }

    /** @param directory the working directory, or null for the test's own */
    public static ManagedProcess start(List<String> command, Path log, java.util.Map<String, String> env, Path directory) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            if (directory != null) {
                pb.directory(directory.toFile());
            }
            if (env != null) {
                pb.environment().putAll(env);
            }
            return new ManagedProcess(pb.start(), log);
        }
        catch (IOException e) {
            throw new IllegalStateException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, then SIGKILL after the grace period. */
    public void stop(long graceMillis) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                kill();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }

    public void kill() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop(5000);
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        }
        catch (IllegalStateException ignored) {
            // JVM already shutting down
        }
    }
}
