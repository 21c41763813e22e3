package dev.isthmus.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The repository's Dockerfile, read instruction by instruction (continuations joined, comments dropped). */
final class Dockerfile {

    /** One instruction: keyword and arguments, and the stage it belongs to (0 = first FROM). */
    record Instruction(int stage, String keyword, String arguments) {
    }

    private final List<Instruction> instructions;

    private Dockerfile(List<Instruction> instructions) {
        this.instructions = instructions;
    }

    static Dockerfile read(Path path) throws IOException {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int stage = -1;
        for (String raw : Files.readAllLines(path)) {
            String line = raw.strip();
            if (current.length() == 0 && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            String text = current.toString().strip();
            current.setLength(0);
            String[] parts = text.split("\\s+", 2);
            String keyword = parts[0].toUpperCase();
            if (keyword.equals("FROM")) {
                stage++;
            }
            out.add(new Instruction(stage, keyword, parts.length > 1 ? parts[1] : ""));
        }
        return new Dockerfile(out);
    }

    private int lastStage() {
        return instructions.get(instructions.size() - 1).stage();
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** The instruction of the final (runtime) stage, e.g. USER; the last one wins, as in Docker. */
    Optional<String> runtime(String keyword) {
        return instructions.stream().filter(i -> i.stage() == lastStage() && i.keyword().equals(keyword)).reduce((a, b) -> b)
                .map(Instruction::arguments);
    }

    /** The source directories the runtime stage copies from the build stage, in order. */
    List<String> copiedFromBuild() {
        return instructions.stream().filter(i -> i.stage() == lastStage() && i.keyword().equals("COPY"))
                .map(i -> i.arguments().split("\\s+")).filter(a -> a[0].startsWith("--from=")).map(a -> a[1]).toList();
    }

    /** The RUN command of the build stage that contains the text. */
    String buildRun(String containing) {
        return instructions.stream().filter(i -> i.stage() < lastStage() && i.keyword().equals("RUN") && i.arguments().contains(containing))
                .findFirst().orElseThrow(() -> new AssertionError("no RUN with " + containing)).arguments();
    }

    /** The runtime stage's ENTRYPOINT, in exec form. */
    List<String> entrypoint() {
        try {
            return Arrays.asList(new ObjectMapper().readValue(runtime("ENTRYPOINT").orElseThrow(), String[].class));
        }
        catch (IOException e) {
            throw new AssertionError("ENTRYPOINT must be in exec (JSON) form", e);
        }
    }

    /** An ENV value of the runtime stage (ENV NAME="value"). */
    Optional<String> env(String name) {
        Pattern p = Pattern.compile("^" + Pattern.quote(name) + "=\"([^\"]*)\"$");
        return instructions.stream().filter(i -> i.stage() == lastStage() && i.keyword().equals("ENV")).map(i -> p.matcher(i.arguments()))
                .filter(Matcher::matches).map(m -> m.group(1)).reduce((a, b) -> b);
    }
}
