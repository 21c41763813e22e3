package dev.isthmus.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One corpus of malformed and hostile routes, sent through every source — the routes file, a
 * route ConfigMap, GatewayRoutes on a real API server, Consul tags on a real agent. Each bad route
 * is refused (by the API server's schema, or with Accepted=False and its reason) alone; a good
 * route from each source serves throughout; the gateway stays healthy. Counts go to
 * target/reliability/bad-input.txt.
 */
class BadInputIT {

    static final String NS = "bad-input-it";

    /** Route specs (YAML, flow style) that must not be served, with what the verdict must mention. */
    static final Map<String, String[]> CORPUS = new LinkedHashMap<>();

    static {
        CORPUS.put("lookaround", new String[] { "{match: {path: {regex: \"^/(?!admin).*$\"}}, backends: [{url: \"$U\"}]}", "RE2" });
        CORPUS.put("backreference", new String[] { "{match: {path: {regex: \"^/(a+)\\\\1$\"}}, backends: [{url: \"$U\"}]}", "RE2" });
        CORPUS.put("bad-host", new String[] { "{hosts: [\"a.*.example.com\"], match: {path: {prefix: /h}}, backends: [{url: \"$U\"}]}", "host" });
        CORPUS.put("unicode-host", new String[] { "{hosts: [\"bücher.example\"], match: {path: {prefix: /u}}, backends: [{url: \"$U\"}]}", "punycode" });
        CORPUS.put("absurd-timeout", new String[] { "{match: {path: {prefix: /t}}, timeouts: {response: 99999h}, backends: [{url: \"$U\"}]}", "maximum" });
        CORPUS.put("zero-timeout", new String[] { "{match: {path: {prefix: /z}}, timeouts: {connect: 0ms}, backends: [{url: \"$U\"}]}", "at least 1ms" });
        CORPUS.put("header-injection", new String[] { "{match: {path: {prefix: /i}}, requestHeaders: {set: {X-A: \"a\\r\\nX-B: b\"}}, backends: [{url: \"$U\"}]}", "CR/LF" });
        CORPUS.put("huge-header", new String[] { "{match: {path: {prefix: /g}}, requestHeaders: {set: {X-A: \"" + "x".repeat(10_000) + "\"}}, backends: [{url: \"$U\"}]}", "8192" });
        CORPUS.put("traversal-prefix", new String[] { "{match: {path: {prefix: \"/a/../../etc\"}}, backends: [{url: \"$U\"}]}", "escapes the root" });
        CORPUS.put("url-with-userinfo", new String[] { "{match: {path: {prefix: /p}}, backends: [{url: \"http://user:secret@10.0.0.1\"}]}", "user info" });
        CORPUS.put("conflict", new String[] { "{match: {path: {prefix: /good}}, backends: [{url: \"$U\"}]}", "same hosts and match" });
    }

    static KubeApiServer api;
    static KubernetesClient kube;
    static ConsulServer consul;
    static EchoServer upstream;
    static GatewayApp gateway;
    static final List<String> report = new ArrayList<>();

    @BeforeAll
    static void start() {
        api = KubeApiServer.shared();
        kube = api.client();
        KubeFixtures.installCrd(kube);
        KubeFixtures.createNamespace(kube, NS);
        consul = ConsulServer.start();
        upstream = EchoServer.start("good");
        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        props.putAll(ConsulTestSupport.gatewayProperties(consul));
        props.put("isthmus.kubernetes.namespaces", NS);
        props.put("isthmus.kubernetes.lease-name", "bad-input");
        gateway = GatewayApp.start("routes:\n  - {name: good, match: {path: {prefix: /good}}, backends: [{url: \"" + upstream.url() + "\"}]}\n", props);
        assertThat(Await.until(Duration.ofSeconds(30), () -> gateway.admin("/actuator/health/readiness").statusCode() == 200)).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        Files.createDirectories(Path.of("target/reliability"));
        Files.write(Path.of("target/reliability/bad-input.txt"), report);
        gateway.close();
        kube.namespaces().withName(NS).delete();
        kube.close();
        consul.close();
        upstream.close();
    }

    static String spec(String key) {
        return CORPUS.get(key)[0].replace("$U", upstream.url());
    }

    static RouteStatus verdict(String routeId) {
        return gateway.bean(RouteTableHolder.class).get().compileResult().statuses().stream().filter(s -> routeId.equals(s.routeId()))
                .findFirst().orElse(null);
    }

    static void goodRoutesServeAndTheGatewayIsHealthy(String... paths) {
        for (String p : paths) {
            assertThat(gateway.get(p).statusCode()).as("good route %s keeps serving", p).isEqualTo(200);
        }
        assertThat(gateway.admin("/actuator/health/liveness").statusCode()).isEqualTo(200);
    }

    @Test
    void throughTheRoutesFileAndAConfigMap() throws Exception {
        StringBuilder doc = new StringBuilder("routes:\n  - {name: good, match: {path: {prefix: /good}}, backends: [{url: \"" + upstream.url() + "\"}]}\n");
        StringBuilder cm = new StringBuilder("routes:\n  - {name: cm-good, match: {path: {prefix: /cm-good}}, backends: [{url: \"" + upstream.url() + "\"}]}\n");
        for (String key : CORPUS.keySet()) {
            doc.append("  - {name: ").append(key).append(", ").append(spec(key).substring(1)).append('\n');
            if (!key.equals("conflict")) {
                cm.append("  - {name: cm-").append(key).append(", ").append(spec(key).substring(1)).append('\n');
            }
        }
        gateway.writeRoutes(doc.toString());
        kube.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("hostile")
                .addToLabels("isthmus.dev/routes", "true").endMetadata().addToData("routes.yaml", cm.toString()).build()).serverSideApply();
        assertThat(Await.until(Duration.ofSeconds(10), () -> gateway.get("/cm-good").statusCode() == 200)).isTrue();

        for (String key : CORPUS.keySet()) {
            RouteStatus file = verdict("file/" + key);
            assertThat(file).as("file verdict for %s", key).isNotNull();
            assertThat(file.accepted()).as("file/%s refused", key).isFalse();
            assertThat(file.message()).as("file/%s reason", key).contains(CORPUS.get(key)[1]);
            report.add("file       %-18s refused: %s (%s)".formatted(key, file.reason(), abbreviate(file.message())));
            if (!key.equals("conflict")) {
                RouteStatus fromCm = verdict("configmap/" + NS + "/hostile/cm-" + key);
                assertThat(fromCm).as("ConfigMap verdict for %s", key).isNotNull();
                assertThat(fromCm.accepted()).isFalse();
                assertThat(fromCm.message()).contains(CORPUS.get(key)[1]);
                report.add("configmap  %-18s refused: %s".formatted(key, fromCm.reason()));
            }
        }
        goodRoutesServeAndTheGatewayIsHealthy("/good", "/cm-good");
    }

    @Test
    void throughGatewayRoutes() {
        kube.resource(KubeFixtures.gatewayRoute(NS, "crd-good", "match: {path: {prefix: /crd-good}}\nbackends: [{url: \"" + upstream.url() + "\"}]\n"))
                .serverSideApply();
        for (String key : CORPUS.keySet()) {
            String name = "crd-" + key;
            String outcome;
            try {
                kube.resource(KubeFixtures.gatewayRoute(NS, name, asJson(spec(key)))).serverSideApply();
                assertThat(Await.until(Duration.ofSeconds(10), () -> {
                    var s = KubeFixtures.status(kube, NS, name);
                    var c = KubeFixtures.condition(s, "Accepted");
                    return c != null && "False".equals(c.getStatus());
                })).as("GatewayRoute %s gets Accepted=False", key).isTrue();
                var c = KubeFixtures.condition(KubeFixtures.status(kube, NS, name), "Accepted");
                // a namespace's route cannot take the routes file's path on the default host: refused as a host claim, not a conflict
                assertThat(c.getMessage()).contains(key.equals("conflict") ? "/good, held by operator" : CORPUS.get(key)[1]);
                outcome = "Accepted=False " + c.getReason();
            }
            catch (KubernetesClientException e) {
                assertThat(e.getCode()).as("%s: refused by the API server: %s", key, e.getCause() == null ? e : e.getCause()).isEqualTo(422);
                outcome = "refused by the CRD schema (422)";
            }
            report.add("crd        %-18s %s".formatted(key, outcome));
        }
        assertThat(Await.until(Duration.ofSeconds(10), () -> gateway.get("/crd-good").statusCode() == 200)).isTrue();
        goodRoutesServeAndTheGatewayIsHealthy("/good", "/crd-good");
    }

    @Test
    void throughConsulTags() {
        consul.register("tag-good-1", "tag-good", "127.0.0.1", upstream.port(), List.of("isthmus.enable=true"), Map.of(), null);
        Map<String, List<String>> hostileTags = new LinkedHashMap<>();
        hostileTags.put("traversal", List.of("isthmus.path=/a/../../etc/"));
        hostileTags.put("no-slash", List.of("isthmus.path=inventory"));
        hostileTags.put("negative-timeout", List.of("isthmus.timeout=-5s"));
        hostileTags.put("absurd-timeout", List.of("isthmus.timeout=99999h"));
        hostileTags.put("unknown-lb", List.of("isthmus.lb=fastest"));
        hostileTags.put("nan-precedence", List.of("isthmus.precedence=NaN"));
        hostileTags.put("bad-host", List.of("isthmus.host=bad..host"));
        hostileTags.put("unicode-host", List.of("isthmus.host=bücher.example"));
        hostileTags.put("huge-tag", List.of("isthmus.path=/" + "a".repeat(5000)));
        hostileTags.put("regex-bomb-rewrite", List.of("isthmus.rewrite=(a+)+$"));
        hostileTags.put("unknown-key", List.of("isthmus.pathh=/x/"));
        for (var e : hostileTags.entrySet()) {
            List<String> tags = new ArrayList<>(e.getValue());
            tags.add("isthmus.enable=true");
            consul.register("tag-" + e.getKey() + "-1", "tag-" + e.getKey(), "127.0.0.1", upstream.port(), tags, Map.of(), null);
        }
        assertThat(Await.until(Duration.ofSeconds(10), () -> gateway.get("/tag-good/").statusCode() == 200)).isTrue();
        for (String key : hostileTags.keySet()) {
            String service = "tag-" + key;
            assertThat(Await.until(Duration.ofSeconds(10), () -> gateway.bean(RouteTableHolder.class).get().compileResult().statuses()
                    .stream().anyMatch(s -> s.object().name().equals(service) && !s.accepted()))).as("Consul service %s refused", key).isTrue();
            RouteStatus s = gateway.bean(RouteTableHolder.class).get().compileResult().statuses().stream()
                    .filter(st -> st.object().name().equals(service)).findFirst().orElseThrow();
            assertThat(s.message()).isNotBlank();
            report.add("consul     %-18s refused: %s (%s)".formatted(key, s.reason(), abbreviate(s.message())));
        }
        goodRoutesServeAndTheGatewayIsHealthy("/good", "/tag-good/");
    }

    /** The corpus is flow-style YAML; the fixture reads a leading '{' as JSON. */
    static String asJson(String flowYaml) {
        try {
            var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(yaml.readTree(flowYaml));
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String abbreviate(String s) {
        return s == null ? "" : s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }
}
