package dev.isthmus.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import dev.isthmus.deploy.DocumentedExamples.Example;
import dev.isthmus.deploy.DocumentedExamples.Kind;
import dev.isthmus.testsupport.KubeApiServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's CRD and every documented example, put into a real kube-apiserver the way users do it,
 * with the real kubectl ({@code apply --server-side} and plain {@code apply}) and the real Helm
 * ({@code helm install} with each example values file, the CRD from the chart's crds/), then read
 * back with {@code kubectl get -o json} and compared field by field with what the author wrote, read
 * as YAML 1.2 ({@link FieldComparison}). kubectl and Helm read YAML 1.1, so this is where a bare
 * {@code on} (or {@code yes}, {@code n}, ...) would be caught: renamed, retyped, refused or dropped.
 * Also: what kubectl and Helm do with a bare {@code on} (docs/routes.md says it), {@code kubectl explain}
 * on every object of the schema, and the columns of {@code kubectl get gr}. Prints the table of
 * objects and fields compared, and writes it to target/kubectl-helm-roundtrip.md.
 * <p>
 * Its own API server (not the JVM's shared one): the CRD is installed, deleted and installed again
 * by each tool, which would pull it from under other tests.
 */
class KubectlHelmRoundTripIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String CRD = "gatewayroutes.isthmus.dev";
    static final Path CRDS = Path.of("charts/isthmus/crds");
    /** Below these, the API server adds nothing: what is stored must be exactly what was written. */
    static final Predicate<String> EXACT_OBJECT = p -> p.matches("\\.(spec|status|data|rules)");
    static final Predicate<String> EXACT_CRD = p -> p.equals(".spec.versions[].schema") || p.equals(".spec.versions[].additionalPrinterColumns");

    static Path work;
    static KubeApiServer api;
    static Tool kubectl;
    static Tool helm;
    static final List<String> rows = new ArrayList<>();
    static int objects;
    static int fields;

    @BeforeAll
    static void start() throws IOException {
        work = Files.createTempDirectory("kubectl-helm-roundtrip");
        Path kubeconfig = work.resolve("kubeconfig");
        kubectl = Tool.kubectl(kubeconfig);
        helm = Tool.helm(kubeconfig, work.resolve("helm-home"));
        api = KubeApiServer.start();
        Files.writeString(kubeconfig, api.kubeconfigYaml());
    }

    @AfterAll
    static void stop() throws IOException {
        StringBuilder md = new StringBuilder("| example | object | applied with | fields compared | result |\n|---|---|---|---|---|\n");
        rows.forEach(r -> md.append(r).append('\n'));
        md.append("\n").append(objects).append(" objects read back, ").append(fields).append(" fields compared.\n");
        System.out.println("[KubectlHelmRoundTripIT]\n" + md);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/kubectl-helm-roundtrip.md"), md);
        if (api != null) {
            api.close();
        }
        Helm.deleteTree(work);
    }

    // --- the CRD -------------------------------------------------------------------------------

    @Test
    void theChartsCrdIsStoredAsWrittenThroughKubectl() throws IOException {
        for (String mode : List.of("--server-side", "plain")) {
            deleteCrd();
            kubectl.run(args("apply", mode, "-f", CRDS.toString())).ok();
            established();
            assertCrdAsWritten("kubectl apply" + (mode.equals("plain") ? "" : " " + mode) + " -f charts/isthmus/crds/");
        }
    }

    // --- documented examples through kubectl ------------------------------------------------------

    @Test
    void everyDocumentedObjectIsStoredAsWrittenThroughKubectl() throws IOException {
        ensureCrd();
        // documented ReferenceGrants (docs/kubernetes.md) need the Gateway API's CRDs, as they do in a cluster
        try (var client = api.client()) {
            dev.isthmus.source.gatewayapi.GatewayApiFixtures.installCrds(client);
            assertThat(dev.isthmus.testsupport.Await.until(java.time.Duration.ofSeconds(30),
                    () -> kubectl.run("get", "referencegrants", "-A").exitCode() == 0)).as("the ReferenceGrant CRD is served").isTrue();
        }
        List<String> problems = new ArrayList<>();
        for (String mode : List.of("--server-side", "plain")) {
            String how = "kubectl apply" + (mode.equals("plain") ? "" : " " + mode);
            for (Example e : DocumentedExamples.of(Kind.OBJECTS)) {
                Path file = write(e);
                createNamespaces(e.documents());
                kubectl.run(args("apply", mode, "-f", file.toString())).ok();
                List<JsonNode> stored = items(kubectl.run("get", "-f", file.toString(), "-o", "json").ok().out());
                List<Object> written = e.documents();
                assertThat(stored).as(e.source()).hasSameSizeAs(written);
                for (int i = 0; i < written.size(); i++) {
                    problems.addAll(record(e.source(), written.get(i), stored.get(i), how, EXACT_OBJECT));
                }
                if (e.source().startsWith("docs/routes.md")) {
                    problems.addAll(status(e, mode));
                }
                kubectl.run("delete", "-f", file.toString(), "--wait=true").ok();
            }
        }
        assertThat(problems).as("fields not stored as written").isEmpty();
    }

    /** The documented status, written to the documented GatewayRoute through the status subresource. */
    private List<String> status(Example route, String mode) throws IOException {
        Example statusExample = DocumentedExamples.of(Kind.STATUS).get(0);
        @SuppressWarnings("unchecked")
        Map<String, Object> gr = (Map<String, Object>) route.documents().get(0);
        @SuppressWarnings("unchecked")
        Map<String, Object> metadata = (Map<String, Object>) gr.get("metadata");
        String name = (String) metadata.get("name");
        String ns = (String) metadata.get("namespace");
        String how;
        if (mode.equals("plain")) {
            Path patch = work.resolve("status-patch.yaml");
            Files.writeString(patch, statusExample.text());
            kubectl.run("patch", "gatewayroute", name, "-n", ns, "--subresource=status", "--type=merge", "--patch-file", patch.toString()).ok();
            how = "kubectl patch --subresource=status";
        }
        else {
            String object = "apiVersion: " + gr.get("apiVersion") + "\nkind: " + gr.get("kind") + "\nmetadata: {name: " + name
                    + ", namespace: " + ns + "}\n" + statusExample.text();
            kubectl.pipe(object, "apply", "--server-side", "--subresource=status", "-f", "-").ok();
            how = "kubectl apply --server-side --subresource=status";
        }
        JsonNode stored = JSON.readTree(kubectl.run("get", "gatewayroute", name, "-n", ns, "-o", "json").ok().out());
        return record(statusExample.source(), statusExample.documents().get(0), stored, how + " (onto " + route.source() + ")", EXACT_OBJECT);
    }

    @Test
    void everyDocumentedRoutesDocumentAndConfigurationIsStoredAsWrittenInAConfigMap() throws IOException {
        ensureNamespace("examples");
        List<String> problems = new ArrayList<>();
        int n = 0;
        for (Kind kind : List.of(Kind.ROUTES, Kind.SPRING_CONFIG)) {
            for (Example e : DocumentedExamples.of(kind)) {
                n++;
                Path file = write(e);
                // as a user ships them: a route ConfigMap (the label makes it a route source), or the
                // gateway's application.yaml
                String key = kind == Kind.ROUTES ? "routes.yaml" : "application.yaml";
                String name = "example-" + n;
                String manifest = kubectl.run("create", "configmap", name, "-n", "examples", "--from-file=" + key + "=" + file,
                        "--dry-run=client", "-o", "yaml").ok().out();
                if (kind == Kind.ROUTES) {
                    manifest = kubectl.pipe(manifest, "label", "--local", "-f", "-", "isthmus.dev/routes=true", "-o", "yaml").ok().out();
                }
                for (String mode : List.of("--server-side", "plain")) {
                    kubectl.pipe(manifest, args("apply", mode, "-f", "-")).ok();
                    JsonNode stored = JSON.readTree(kubectl.run("get", "configmap", name, "-n", "examples", "-o", "json").ok().out());
                    Map<String, Object> written = new LinkedHashMap<>();
                    written.put("data", Map.of(key, e.text()));
                    if (kind == Kind.ROUTES) {
                        written.put("metadata", Map.of("labels", Map.of("isthmus.dev/routes", "true")));
                    }
                    problems.addAll(record(e.source(), written, stored, "kubectl create configmap --from-file, kubectl apply"
                            + (mode.equals("plain") ? "" : " " + mode), EXACT_OBJECT));
                    kubectl.run("delete", "configmap", name, "-n", "examples").ok();
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    // --- a bare on -------------------------------------------------------------------------------

    @Test
    void aBareOnIsRefusedByKubectlOrDroppedWithAWarning() throws IOException {
        ensureCrd();
        Example route = documentedRoute();
        assertThat(route.text()).as("the documented route quotes \"on\"").contains("\"on\":");
        String bare = route.text().replace("\"on\":", "on:");
        createNamespaces(route.documents());
        Path file = work.resolve("bare-on.yaml");
        Files.writeString(file, bare);

        Tool.Run plain = kubectl.run("apply", "-f", file.toString());
        assertThat(plain.exitCode()).isNotZero();
        assertThat(plain.err()).contains("strict decoding error: unknown field \"spec.retries.true\"");
        Tool.Run serverSide = kubectl.run("apply", "--server-side", "-f", file.toString());
        assertThat(serverSide.exitCode()).isNotZero();
        assertThat(serverSide.err()).contains(".spec.retries.true: field not declared in schema");
        assertThat(kubectl.run("get", "-f", file.toString()).exitCode()).as("nothing was created").isNotZero();

        for (String validate : List.of("--validate=warn", "--validate=false")) {
            Tool.Run lenient = kubectl.run("apply", validate, "-f", file.toString()).ok();
            if (validate.equals("--validate=warn")) {
                assertThat(lenient.err()).contains("unknown field \"spec.retries.true\"");
            }
            JsonNode retries = items(kubectl.run("get", "-f", file.toString(), "-o", "json").ok().out()).get(0).at("/spec/retries");
            assertThat(retries.has("attempts")).isTrue();
            assertThat(retries.has("on")).as("%s: on dropped", validate).isFalse();
            assertThat(retries.has("true")).isFalse();
            kubectl.run("delete", "-f", file.toString()).ok();
        }
        rows.add("| " + route.source() + ", `on:` unquoted | GatewayRoute | kubectl apply; --server-side; --validate=warn/false | —"
                + " | refused (`unknown field \"spec.retries.true\"`); refused (`field not declared in schema`); stored without `retries.on` |");
    }

    @Test
    void aBareOnInAChartIsDroppedByHelmWithAWarning() throws IOException {
        ensureCrd();
        Example route = documentedRoute();
        Path chart = work.resolve("route-chart");
        Files.createDirectories(chart.resolve("templates"));
        Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: route-chart\nversion: 0.1.0\n");
        @SuppressWarnings("unchecked")
        String ns = (String) ((Map<String, Object>) ((Map<String, Object>) route.documents().get(0)).get("metadata")).get("namespace");
        String template = route.text().replace("namespace: " + ns, "namespace: {{ .Release.Namespace }}");
        assertThat(template).contains("{{ .Release.Namespace }}");
        Files.writeString(chart.resolve("templates/quoted.yaml"), template.replaceFirst("name: (\\S+?),", "name: $1-quoted,"));
        Files.writeString(chart.resolve("templates/bare.yaml"), template.replaceFirst("name: (\\S+?),", "name: $1-bare,").replace("\"on\":", "on:"));
        ensureNamespace("helm-routes");
        Tool.Run install = helm.run("install", "routes", chart.toString(), "-n", "helm-routes").ok();
        assertThat(install.out() + install.err()).containsPattern("unknown field \\\\?\"spec\\.retries\\.true\\\\?\"");
        String name = (String) ((Map<?, ?>) ((Map<?, ?>) route.documents().get(0)).get("metadata")).get("name");
        JsonNode bare = JSON.readTree(kubectl.run("get", "gatewayroute", name + "-bare", "-n", "helm-routes", "-o", "json").ok().out());
        assertThat(bare.at("/spec/retries").has("on")).as("helm drops a bare on").isFalse();
        JsonNode quoted = JSON.readTree(kubectl.run("get", "gatewayroute", name + "-quoted", "-n", "helm-routes", "-o", "json").ok().out());
        Map<?, ?> written = (Map<?, ?>) route.documents().get(0);
        List<String> problems = record(route.source() + ", as a chart template", Map.of("spec", written.get("spec")), quoted, "helm install",
                EXACT_OBJECT);
        rows.add("| " + route.source() + ", `on:` unquoted, as a chart template | GatewayRoute | helm install | — | stored without"
                + " `retries.on`; Helm logs `Warning: unknown field \"spec.retries.true\"` |");
        helm.run("uninstall", "routes", "-n", "helm-routes").ok();
        assertThat(problems).isEmpty();
    }

    // --- kubectl explain, kubectl get -------------------------------------------------------------

    @Test
    @SuppressWarnings("unchecked")
    void kubectlExplainDescribesEveryField() throws IOException {
        ensureCrd();
        Map<String, Object> crd = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(CRDS.resolve(CRD + "-v1.yml")));
        Map<String, Object> schema = (Map<String, Object>) ((Map<String, Object>) ((List<Map<String, Object>>) ((Map<String, Object>) crd
                .get("spec")).get("versions")).get(0).get("schema")).get("openAPIV3Schema");
        Map<String, Map<String, Object>> objects = new LinkedHashMap<>();
        collectObjects("gatewayroute", schema, objects);
        List<String> problems = new ArrayList<>();
        int described = 0;
        for (Map.Entry<String, Map<String, Object>> o : objects.entrySet()) {
            String out = kubectl.run("explain", o.getKey()).ok().out();
            if (out.contains("<no description>") || out.contains("<empty>")) {
                problems.add(o.getKey() + ": " + out);
            }
            Set<String> expected = ((Map<String, Object>) o.getValue().get("properties")).keySet();
            Set<String> shown = new LinkedHashSet<>();
            Matcher m = Pattern.compile("(?m)^  (\\S+)\\t<").matcher(out);
            while (m.find()) {
                shown.add(m.group(1));
            }
            if (!shown.containsAll(expected)) {
                problems.add(o.getKey() + ": fields " + shown + ", the schema has " + expected);
            }
            described += expected.size();
        }
        assertThat(objects).containsKeys("gatewayroute", "gatewayroute.spec", "gatewayroute.spec.retries", "gatewayroute.status.conditions");
        assertThat(kubectl.run("explain", "gatewayroute").ok().out()).contains("A route of the Isthmus gateway");
        assertThat(kubectl.run("explain", "gatewayroute.spec.retries").ok().out()).containsPattern("(?m)^  on\\t<\\[\\]string>");
        assertThat(problems).isEmpty();
        rows.add("| `kubectl explain` | " + objects.size() + " objects of the GatewayRoute schema | kubectl explain gatewayroute.<path> | "
                + described + " field descriptions | every field described |");
    }

    @SuppressWarnings("unchecked")
    private static void collectObjects(String path, Map<String, Object> schema, Map<String, Map<String, Object>> out) {
        Map<String, Object> object = schema.get("items") instanceof Map<?, ?> items ? (Map<String, Object>) items : schema;
        if (object.get("properties") instanceof Map<?, ?> properties) {
            out.put(path, object);
            ((Map<String, Object>) properties).forEach((name, child) -> collectObjects(path + "." + name, (Map<String, Object>) child, out));
        }
    }

    @Test
    void kubectlGetShowsHostsPathBackendsAcceptedAge() throws IOException {
        ensureCrd();
        Example route = documentedRoute();
        createNamespaces(route.documents());
        Path file = write(route);
        kubectl.run("apply", "--server-side", "-f", file.toString()).ok();
        Map<?, ?> gr = (Map<?, ?>) route.documents().get(0);
        Map<?, ?> meta = (Map<?, ?>) gr.get("metadata");
        String ns = (String) meta.get("namespace");
        String name = (String) meta.get("name");
        kubectl.pipe("""
                apiVersion: isthmus.dev/v1alpha1
                kind: GatewayRoute
                metadata: {name: legacy, namespace: %s}
                spec:
                  match: {path: {exact: /old}}
                  backends: [{url: "http://10.0.0.5:8080"}, {service: legacy}]
                """.formatted(ns), "apply", "--server-side", "-f", "-").ok();
        kubectl.run("patch", "gatewayroute", name, "-n", ns, "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"conditions\":[{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":\"Accepted\",\"message\":\"\","
                        + "\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"}]}}").ok();
        String table = kubectl.run("get", "gr", "-n", ns).ok().out();
        System.out.println("[KubectlHelmRoundTripIT] kubectl get gr -n " + ns + "\n" + table);
        List<String> lines = table.lines().toList();
        String header = lines.get(0);
        assertThat(header.trim().split("\\s+")).containsExactly("NAME", "HOSTS", "PATH", "BACKENDS", "ACCEPTED", "AGE");
        Map<String, Map<String, String>> cells = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            Map<String, String> row = cells(header, line);
            cells.put(row.get("NAME"), row);
        }
        assertThat(cells.get(name)).containsEntry("HOSTS", "api.example.com").containsEntry("PATH", "/quote/").containsEntry("BACKENDS", "quote")
                .containsEntry("ACCEPTED", "True");
        assertThat(cells.get("legacy")).containsEntry("HOSTS", "").containsEntry("PATH", "/old").containsEntry("BACKENDS", "http://10.0.0.5:8080")
                .containsEntry("ACCEPTED", "");
        kubectl.run("delete", "-f", file.toString()).ok();
        kubectl.run("delete", "gatewayroute", "legacy", "-n", ns).ok();
        rows.add("| `kubectl get gr` | 2 GatewayRoutes | kubectl get | 10 cells | NAME HOSTS PATH BACKENDS ACCEPTED AGE, scalars |");
    }

    /** A kubectl table row, cut at the header's column starts. */
    private static Map<String, String> cells(String header, String line) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\S+").matcher(header);
        List<int[]> columns = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (m.find()) {
            columns.add(new int[] { m.start() });
            names.add(m.group());
        }
        for (int i = 0; i < columns.size(); i++) {
            int from = Math.min(columns.get(i)[0], line.length());
            int to = i + 1 < columns.size() ? Math.min(columns.get(i + 1)[0], line.length()) : line.length();
            out.put(names.get(i), line.substring(from, to).trim());
        }
        return out;
    }

    // --- the chart's examples through Helm ----------------------------------------------------------

    @Test
    @SuppressWarnings("unchecked")
    void everyChartExampleIsInstalledAsWrittenByHelm() throws IOException {
        deleteCrd(); // so that helm installs it from the chart's crds/
        List<String> problems = new ArrayList<>();
        boolean first = true;
        for (Example e : DocumentedExamples.of(Kind.HELM_VALUES)) {
            String base = Path.of(e.source()).getFileName().toString().replace(".yaml", "");
            String release = base;
            String ns = "helm-" + base;
            // namespaces the example's objects go to besides the release's (Roles in watched namespaces)
            String rendered = helm.run("template", release, Helm.CHART.toString(), "-n", ns, "-f", e.source()).ok().out();
            Set<String> others = new LinkedHashSet<>();
            for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(rendered)) {
                if (doc instanceof Map<?, ?> m && m.get("metadata") instanceof Map<?, ?> md && md.get("namespace") instanceof String n && !n.equals(ns)) {
                    others.add(n);
                }
            }
            others.forEach(KubectlHelmRoundTripIT::ensureNamespace);
            Tool.Run install = helm.run("install", release, Helm.CHART.toString(), "-n", ns, "--create-namespace", "-f", e.source()).ok();
            assertThat(install.err()).as("%s: helm's warnings", e.source()).doesNotContain("unknown field");
            if (first) {
                established();
                assertCrdAsWritten("helm install (charts/isthmus/crds/)");
                first = false;
            }
            // the values as Helm read them, against the file as its author meant it
            Object values = new Load(LoadSettings.builder().build()).loadFromString(e.text());
            JsonNode helmValues = JSON.readTree(helm.run("get", "values", release, "-n", ns, "-o", "json").ok().out());
            problems.addAll(record(e.source(), values, helmValues, "helm install -f (values as Helm read them)", p -> true));
            // every object Helm sent, as the API server stored it
            String manifest = helm.run("get", "manifest", release, "-n", ns).ok().out();
            Path manifestFile = work.resolve(release + "-manifest.yaml");
            Files.writeString(manifestFile, manifest);
            Map<String, JsonNode> stored = new LinkedHashMap<>();
            // every object of the chart names its namespace
            for (JsonNode item : items(kubectl.run("get", "-f", manifestFile.toString(), "-o", "json").ok().out())) {
                stored.put(identity(item.path("kind").asText(), item.path("metadata").path("namespace").asText(), item.path("metadata").path("name").asText()), item);
            }
            for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(manifest)) {
                if (!(doc instanceof Map<?, ?> object)) {
                    continue;
                }
                Map<String, Object> md = (Map<String, Object>) object.get("metadata");
                String id = identity((String) object.get("kind"), (String) md.getOrDefault("namespace", ""), (String) md.get("name"));
                JsonNode item = stored.get(id);
                if (item == null) {
                    problems.add(e.source() + ": " + id + " was not stored");
                    continue;
                }
                problems.addAll(record(e.source(), object, item, "helm install -f", p -> false));
            }
            helm.run("uninstall", release, "-n", ns).ok(); // node ports are per cluster
        }
        assertThat(problems).isEmpty();
    }

    private static String identity(String kind, String namespace, String name) {
        return kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private static Example documentedRoute() {
        return DocumentedExamples.of(Kind.OBJECTS).stream().filter(e -> e.source().startsWith("docs/routes.md")).findFirst().orElseThrow();
    }

    private static void assertCrdAsWritten(String how) throws IOException {
        List<String> problems = new ArrayList<>();
        try (var files = Files.list(CRDS)) {
            for (Path f : files.sorted().toList()) {
                Object written = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(f));
                JsonNode stored = JSON.readTree(kubectl.run("get", "crd", CRD, "-o", "json").ok().out());
                problems.addAll(record(f.toString(), written, stored, how, EXACT_CRD));
                JsonNode retries = stored.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/retries/properties");
                assertThat(retries.has("on")).as("%s: retries.on", how).isTrue();
                assertThat(retries.has("true")).as("%s: retries.true", how).isFalse();
            }
        }
        assertThat(problems).isEmpty();
    }

    /** Compares, adds a table row, returns the differences (each prefixed with where). */
    private static List<String> record(String source, Object written, JsonNode stored, String how, Predicate<String> exact) {
        // helm's values are JSON from helm, custom resources keep zero values: only built-in kinds omit them
        boolean builtIn = !how.contains("values as Helm") && !stored.path("apiVersion").asText().startsWith("isthmus.dev/");
        FieldComparison c = FieldComparison.of(written, stored, exact, builtIn);
        String object = how.contains("values as Helm") ? "values" : stored.path("kind").asText("?") + " "
                + (stored.path("metadata").has("namespace") ? stored.path("metadata").path("namespace").asText() + "/" : "")
                + stored.path("metadata").path("name").asText();
        objects++;
        fields += c.compared();
        rows.add("| " + source + " | " + object + " | " + how + " | " + c.compared() + " | "
                + (c.same() ? "same" : "**" + c.differences().size() + " differ**: " + String.join("; ", c.differences())) + " |");
        return c.differences().stream().map(d -> source + " (" + how + ") " + object + d).toList();
    }

    private static List<JsonNode> items(String json) throws IOException {
        JsonNode node = JSON.readTree(json);
        List<JsonNode> out = new ArrayList<>();
        if (node.has("items") && "List".equals(node.path("kind").asText())) {
            node.get("items").forEach(out::add);
        }
        else {
            out.add(node);
        }
        return out;
    }

    private static Path write(Example e) throws IOException {
        Path f = work.resolve(e.source().replaceAll("[^A-Za-z0-9.-]", "_") + ".yaml");
        Files.writeString(f, e.text());
        return f;
    }

    private static String[] args(String verb, String mode, String... rest) {
        List<String> a = new ArrayList<>(List.of(verb));
        if (!mode.equals("plain")) {
            a.add(mode);
        }
        a.addAll(List.of(rest));
        return a.toArray(String[]::new);
    }

    private static void createNamespaces(List<Object> docs) {
        for (Object d : docs) {
            if (d instanceof Map<?, ?> m && m.get("metadata") instanceof Map<?, ?> md && md.get("namespace") instanceof String ns) {
                ensureNamespace(ns);
            }
        }
    }

    private static void ensureNamespace(String ns) {
        String manifest = kubectl.run("create", "namespace", ns, "--dry-run=client", "-o", "yaml").ok().out();
        kubectl.pipe(manifest, "apply", "-f", "-").ok();
    }

    private static void ensureCrd() {
        if (kubectl.run("get", "crd", CRD).exitCode() != 0) {
            kubectl.run("apply", "--server-side", "-f", CRDS.toString()).ok();
            established();
        }
    }

    private static void deleteCrd() {
        kubectl.run("delete", "crd", CRD, "--ignore-not-found", "--wait=true").ok();
    }

    private static void established() {
        kubectl.run("wait", "--for=condition=Established", "crd/" + CRD, "--timeout=60s").ok();
    }
}
