package dev.isthmus.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One command of the packaged jar ({@code java -jar isthmus.jar validate ...}), run as users run it:
 * its own JVM, its exit status, what it printed on each stream.
 */
public final class JarCommand {

    /** What a command did. */
    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private JarCommand() {
    }

    public static Result run(Path workDir, String stdin, String... args) {
        String jar = System.getProperty("isthmus.jar", "target/isthmus.jar");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("the gateway jar " + jar + " is missing: run ./mvnw package first");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of(jar).toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("isthmus-cli", ".out");
            Path err = Files.createTempFile("isthmus-cli", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("ISTHMUS_") || k.startsWith("SPRING_") || k.startsWith("MANAGEMENT_"));
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("java -jar isthmus.jar " + String.join(" ", args) + " did not finish within 60 s");
            }
            Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
