package dev.isthmus.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import dev.isthmus.spec.crd.CrdPostProcessor;

/**
 * Every YAML example the project documents, found by rule so that none can be left out: each
 * fenced {@code ```yaml} block of docs/routes.md and docs/kubernetes.md, each file of
 * charts/isthmus/examples (Helm values) and of config/examples (a routes file or a Spring
 * configuration). A Markdown block holds Kubernetes objects (apiVersion and kind), a routes
 * document ({@code routes:}) or a GatewayRoute's {@code status:}; anything else is an error, so a
 * new example must be one of those (or be fenced as something other than yaml). "What the author
 * meant" is the YAML 1.2 reading (core schema).
 */
final class DocumentedExamples {

    static final List<Path> MARKDOWN = List.of(Path.of("docs/routes.md"), Path.of("docs/kubernetes.md"));
    static final Path CHART_EXAMPLES = Path.of("charts/isthmus/examples");
    static final Path CONFIG_EXAMPLES = Path.of("config/examples");

    enum Kind {
        /** Kubernetes objects, applied with kubectl as written. */
        OBJECTS,
        /** A routes document: the routes file, or a data key of a route ConfigMap. */
        ROUTES,
        /** The status of a GatewayRoute, as the gateway writes it. */
        STATUS,
        /** Helm values for charts/isthmus. */
        HELM_VALUES,
        /** A Spring Boot configuration file for the gateway. */
        SPRING_CONFIG
    }

    /** One example: where it is documented, what it is, its text as written. */
    record Example(String source, Kind kind, String text) {

        /** Its documents as the author meant them (YAML 1.2). */
        List<Object> documents() {
            List<Object> docs = new ArrayList<>();
            new Load(LoadSettings.builder().build()).loadAllFromString(text).forEach(d -> {
                if (d != null) {
                    docs.add(d);
                }
            });
            return docs;
        }

        @Override
        public String toString() {
            return source;
        }
    }

    private static final Pattern FENCE = Pattern.compile("(?m)^```yaml\\n(.*?)^```", Pattern.DOTALL);

    private DocumentedExamples() {
    }

    static List<Example> all() {
        List<Example> out = new ArrayList<>();
        for (Path md : MARKDOWN) {
            out.addAll(markdown(md));
        }
        for (Path f : files(CHART_EXAMPLES)) {
            out.add(new Example(f.toString(), Kind.HELM_VALUES, read(f)));
        }
        for (Path f : files(CONFIG_EXAMPLES)) {
            String text = read(f);
            out.add(new Example(f.toString(), isRoutesDocument(new Load(LoadSettings.builder().build()).loadFromString(text)) ? Kind.ROUTES
                    : Kind.SPRING_CONFIG, text));
        }
        return out;
    }

    static List<Example> of(Kind kind) {
        return all().stream().filter(e -> e.kind() == kind).toList();
    }

    static List<Example> markdown(Path md) {
        String text = read(md);
        List<Example> out = new ArrayList<>();
        Matcher m = FENCE.matcher(text);
        while (m.find()) {
            int line = 1 + (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
            String source = md + ":" + line;
            String block = m.group(1);
            out.add(new Example(source, classify(source, block), block));
        }
        return out;
    }

    private static Kind classify(String source, String block) {
        List<Kind> kinds = new ArrayList<>();
        new Load(LoadSettings.builder().build()).loadAllFromString(block).forEach(d -> {
            if (d instanceof Map<?, ?> m && m.containsKey("apiVersion") && m.containsKey("kind")) {
                kinds.add(Kind.OBJECTS);
            }
            else if (isRoutesDocument(d)) {
                kinds.add(Kind.ROUTES);
            }
            else if (d instanceof Map<?, ?> m && m.size() == 1 && m.containsKey("status")) {
                kinds.add(Kind.STATUS);
            }
            else {
                throw new IllegalStateException(source + ": a yaml block that is neither Kubernetes objects, a routes document nor a"
                        + " GatewayRoute status; make it one of those, or fence it as something else");
            }
        });
        if (kinds.isEmpty() || kinds.stream().distinct().count() != 1) {
            throw new IllegalStateException(source + ": a yaml block must hold one kind of example, not " + kinds);
        }
        return kinds.get(0);
    }

    private static boolean isRoutesDocument(Object doc) {
        // a routes document: routes, and the named policies its routes may reference
        return doc instanceof Map<?, ?> m && m.containsKey("routes") && (m.size() == 1 || m.size() == 2 && m.containsKey("policies"));
    }

    /**
     * The plain (unquoted) strings of a text that a YAML 1.1 reader (kubectl, Helm, Spring Boot's
     * SnakeYAML) reads as something else (a boolean, null, a number, a date), each with its line.
     */
    static List<String> yaml11Ambiguities(String text) {
        List<String> out = new ArrayList<>();
        for (Node doc : new Compose(LoadSettings.builder().build()).composeAllFromString(text)) {
            collect(doc, out);
        }
        return out;
    }

    private static void collect(Node node, List<String> out) {
        if (node instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                collect(t.getKeyNode(), out);
                collect(t.getValueNode(), out);
            }
        }
        else if (node instanceof SequenceNode s) {
            s.getValue().forEach(n -> collect(n, out));
        }
        else if (node instanceof ScalarNode s && s.isPlain() && s.getTag().equals(Tag.STR) && !CrdPostProcessor.readAsStringByYaml11(s.getValue())) {
            out.add("line " + (s.getStartMark().map(mark -> mark.getLine() + 1).orElse(0)) + ": " + s.getValue());
        }
    }

    private static List<Path> files(Path dir) {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path f) {
        try {
            return Files.readString(f);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
