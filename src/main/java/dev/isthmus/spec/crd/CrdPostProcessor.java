package dev.isthmus.spec.crd;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.StreamDataWriter;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * A build step (pom.xml, {@code process-classes}, between fabric8's crd-generator-maven-plugin and
 * the copy into charts/isthmus/crds/) that finishes the generated CRD where the generator has no
 * setting for it:
 * <ul>
 * <li><b>YAML 1.1 readers keep every name as written.</b> The generator writes YAML 1.2
 * (snakeyaml-engine), where {@code on:} is the string "on"; kubectl and Helm read YAML 1.1
 * (sigs.k8s.io/yaml, go-yaml v2), where a plain {@code on}, {@code off}, {@code yes}, {@code no},
 * {@code y} or {@code n} is a boolean: the CRD got a property {@code retries.true}. Every plain
 * string scalar, key or value, that a YAML 1.1 reader would read as anything but that string
 * (booleans in any case, null, numbers, timestamps) is double-quoted here.</li>
 * <li><b>Printer columns in the order declared</b> on the resource class: the generator sorts them
 * by JSONPath (so Age came first), while kubectl shows them in list order.</li>
 * <li><b>A top-level description</b> from the resource class's {@link JsonClassDescription}: the
 * generator describes properties only, so {@code kubectl explain gatewayroute} said nothing.</li>
 * </ul>
 * Nothing else changes: the file is rewritten from its own node tree, keeping each scalar's style.
 * Written by hand because neither the generator nor its Maven plugin (7.5.2) offer these as
 * settings: the plugin exposes no post-processor, and its YAML writer leaves keys unquoted.
 */
public final class CrdPostProcessor {

    static final String HEADER = "# Generated from the Java model (dev.isthmus.spec) by the fabric8 CRD generator and\n"
            + "# dev.isthmus.spec.crd.CrdPostProcessor at build time (./mvnw process-classes). Do not edit.\n";

    // YAML 1.1 (yaml.org/type): what a plain scalar means to go-yaml v2 and other 1.1 readers.
    // Booleans are matched in any case, a superset of the spec's three spellings; floats as
    // go-yaml v2 and SnakeYAML read them (the spec's own regex also takes 192.0.2.10, they don't).
    private static final Set<String> YAML11_BOOLEANS = Set.of("y", "n", "yes", "no", "on", "off", "true", "false");
    private static final Pattern YAML11_NULL = Pattern.compile("~|null|Null|NULL|");
    private static final Pattern YAML11_INT = Pattern.compile("[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)"
            + "|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+");
    private static final Pattern YAML11_FLOAT = Pattern.compile("[-+]?(\\.[0-9_]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?"
            + "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
    private static final Pattern YAML11_TIMESTAMP = Pattern.compile("[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt \\t].*)?");
    private static final Set<String> YAML11_SPECIAL_KEYS = Set.of("<<", "=");

    private CrdPostProcessor() {
    }

    /** {@code <crd.yml> <resource class>}: rewrites the file in place. */
    public static void main(String[] args) throws IOException, ClassNotFoundException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: CrdPostProcessor <generated CRD file> <custom resource class>");
        }
        Path file = Path.of(args[0]);
        Class<?> resource = Class.forName(args[1]);
        Files.writeString(file, process(Files.readString(file, StandardCharsets.UTF_8), resource), StandardCharsets.UTF_8);
    }

    /** The CRD text, finished: see the class comment. */
    public static String process(String crdYaml, Class<?> resource) {
        Node root = new Compose(LoadSettings.builder().build()).composeString(crdYaml)
                .orElseThrow(() -> new IllegalArgumentException("empty CRD"));
        MappingNode crd = (MappingNode) root;
        for (Node version : ((SequenceNode) get(get(crd, "spec"), "versions")).getValue()) {
            orderPrinterColumns((MappingNode) version, resource);
            describeTopLevel((MappingNode) get(get(version, "schema"), "openAPIV3Schema"), resource);
        }
        quoteForYaml11(root);
        return HEADER + dump(root);
    }

    private static void orderPrinterColumns(MappingNode version, Class<?> resource) {
        Node columns = find(version, "additionalPrinterColumns");
        AdditionalPrinterColumn[] declared = resource.getAnnotationsByType(AdditionalPrinterColumn.class);
        if (columns == null) {
            if (declared.length > 0) {
                throw new IllegalStateException("the generated CRD has no printer columns, " + resource.getName() + " declares " + declared.length);
            }
            return;
        }
        List<Node> generated = new ArrayList<>(((SequenceNode) columns).getValue());
        List<Node> ordered = new ArrayList<>();
        for (AdditionalPrinterColumn column : declared) {
            Node match = generated.stream().filter(c -> column.name().equals(text(get(c, "name"))) && column.jsonPath().equals(text(get(c, "jsonPath"))))
                    .findFirst().orElseThrow(() -> new IllegalStateException("printer column " + column.name() + " is not in the generated CRD"));
            generated.remove(match);
            ordered.add(match);
        }
        if (!generated.isEmpty()) {
            // a @PrinterColumn on a field: after the declared ones, in the generator's order
            ordered.addAll(generated);
        }
        ((SequenceNode) columns).getValue().clear();
        ((SequenceNode) columns).getValue().addAll(ordered);
    }

    private static void describeTopLevel(MappingNode schema, Class<?> resource) {
        JsonClassDescription description = resource.getAnnotation(JsonClassDescription.class);
        if (description == null || find(schema, "description") != null) {
            return;
        }
        schema.getValue().add(0, new NodeTuple(plain("description"), new ScalarNode(Tag.STR, description.value(), ScalarStyle.DOUBLE_QUOTED)));
    }

    private static void quoteForYaml11(Node node) {
        if (node instanceof MappingNode m) {
            List<NodeTuple> tuples = m.getValue();
            for (int i = 0; i < tuples.size(); i++) {
                NodeTuple t = tuples.get(i);
                tuples.set(i, new NodeTuple(yaml11Safe(t.getKeyNode()), yaml11Safe(t.getValueNode())));
                quoteForYaml11(t.getValueNode());
            }
        }
        else if (node instanceof SequenceNode s) {
            List<Node> items = s.getValue();
            for (int i = 0; i < items.size(); i++) {
                items.set(i, yaml11Safe(items.get(i)));
                quoteForYaml11(items.get(i));
            }
        }
    }

    private static Node yaml11Safe(Node node) {
        if (node instanceof ScalarNode s && s.isPlain() && s.getTag().equals(Tag.STR) && !readAsStringByYaml11(s.getValue())) {
            return new ScalarNode(Tag.STR, s.getValue(), ScalarStyle.DOUBLE_QUOTED);
        }
        return node;
    }

    /** Whether a YAML 1.1 reader takes this plain (unquoted) scalar for the string it is. */
    public static boolean readAsStringByYaml11(String plain) {
        return !(YAML11_BOOLEANS.contains(plain.toLowerCase(Locale.ROOT)) || YAML11_NULL.matcher(plain).matches()
                || YAML11_INT.matcher(plain).matches() || YAML11_FLOAT.matcher(plain).matches()
                || YAML11_TIMESTAMP.matcher(plain).matches() || YAML11_SPECIAL_KEYS.contains(plain));
    }

    // Block style, indentation and line width as fabric8's KubernetesSerialization.asYaml writes them.
    private static String dump(Node root) {
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build();
        StringOutput out = new StringOutput();
        new Dump(settings).dumpNode(root, out);
        return out.toString();
    }

    private static Node get(Node mapping, String key) {
        Node value = find(mapping, key);
        if (value == null) {
            throw new IllegalStateException("the generated CRD has no " + key);
        }
        return value;
    }

    private static Node find(Node mapping, String key) {
        for (NodeTuple t : ((MappingNode) mapping).getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && key.equals(k.getValue())) {
                return t.getValueNode();
            }
        }
        return null;
    }

    private static String text(Node scalar) {
        return ((ScalarNode) scalar).getValue();
    }

    private static ScalarNode plain(String value) {
        return new ScalarNode(Tag.STR, value, ScalarStyle.PLAIN);
    }

    private static final class StringOutput extends StringWriter implements StreamDataWriter {
    }
}
