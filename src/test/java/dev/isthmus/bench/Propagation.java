package dev.isthmus.bench;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.isthmus.bench.BenchTools.Jvm;
import dev.isthmus.bench.BenchTools.Nginx;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.RealInfra;

/**
 * Scenario 5: from a route change to the first request routed by it, with many routes present,
 * for each source (the routes file, a GatewayRoute on a real kube-apiserver, a Consul service
 * declaring its route by tags); and from a Consul check turning critical to the last request that
 * still reached that instance. One real gateway process with all three sources on; the routes
 * file holds the many routes. Everything is observed from outside: HTTP requests through the
 * gateway, its admin port, the API server and the Consul agent.
 */
final class Propagation {

    static final List<String> SOURCES = List.of("file", "gatewayroute", "consul", "consul-critical");
    private static final String NS = "isthmus-bench";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BenchmarkSuite.Config c;
    private final BenchReport report;
    private final Nginx nginx;
    private final BenchReport.Table table;

    Propagation(BenchmarkSuite.Config c, BenchReport report, Nginx nginx) {
        this.c = c;
        this.report = report;
        this.nginx = nginx;
        this.table = report.table("s5", "5. Propagation",
                String.format(Locale.ROOT, "One Isthmus process with %,d file routes present and all three sources on. A change is timed"
                        + " from just before it is made (the file written, the GatewayRoute created, the Consul service registered) to the"
                        + " send of the first request that the new route served (polling about every millisecond); %d changes per source, after %d unmeasured ones. Consul critical: from"
                        + " `PUT /v1/agent/check/fail` to the send of the last request that still reached that instance (none for 300 ms"
                        + " after it), %d samples, two instances behind the route.", c.propagationRoutes(), c.changes(), warmups(),
                        c.criticalSamples()),
                "source", "change", "samples", "p50 ms", "p99 ms", "max ms");
    }

    void run() throws Exception {
        ConsulServer consul = null;
        KubeApiServer api = null;
        KubernetesClient kube = null;
        EchoServer base = null;
        EchoServer probe = null;
        Jvm gateway = null;
        try {
            try {
                consul = ConsulServer.start();
            }
            catch (Throwable e) { // RealInfra.unavailable aborts with an assumption failure
                table.note("Consul: not measured (" + e.getMessage() + ")");
            }
            try {
                api = KubeApiServer.start();
                kube = api.client();
                installCrd(kube);
                kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).serverSideApply();
            }
            catch (Throwable e) {
                table.note("GatewayRoute: not measured (kube-apiserver: " + e.getMessage() + ")");
                kube = null;
            }
            base = EchoServer.start("base");
            probe = EchoServer.start("probe");

            Path dir = c.work().resolve("isthmus-propagation");
            Files.createDirectories(dir);
            String baseRoutes = routes(c.propagationRoutes());
            Files.writeString(dir.resolve("routes.yaml"), baseRoutes);
            int port = RealInfra.freePort();
            int management = RealInfra.freePort();
            List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--management.server.port=" + management,
                    "--isthmus.file.path=" + dir.resolve("routes.yaml"),
                    // every upstream of the benchmark is on loopback, which tenants' routes may not reach by default
                    "--isthmus.ownership.destinations.allow-loopback=true"));
            if (kube != null) {
                args.addAll(kubeArgs(api.clientConfig()));
            }
            if (consul != null) {
                args.addAll(List.of("--isthmus.consul.enabled=true", "--spring.cloud.consul.host=127.0.0.1",
                        "--spring.cloud.consul.port=" + consul.port()));
            }
            gateway = Jvm.start("isthmus-propagation", dir, c.jvmArgs(), BenchTools.isthmusJar(), args, port,
                    "/svc-" + (c.propagationRoutes() - 1) + "/", Duration.ofSeconds(180));
            Set<String> sources = sources("http://127.0.0.1:" + management);
            System.out.println("[bench] propagation: gateway sources " + sources);
            warm(gateway);

            file(gateway, dir, baseRoutes);
            if (kube == null) {
                table.row("GatewayRoute (kube-apiserver)", "create", "not measured", "—", "—", "—");
            }
            else if (!sources.contains("gatewayroute")) {
                table.row("GatewayRoute (kube-apiserver)", "create", "not in this build", "—", "—", "—");
                table.note("This build of Isthmus has no GatewayRoute source (its sources: " + sources + ").");
            }
            else {
                gatewayRoutes(gateway, kube);
            }
            if (consul == null) {
                table.row("Consul tags", "register", "not measured", "—", "—", "—");
            }
            else if (!sources.contains("consul")) {
                table.row("Consul tags", "register", "not in this build", "—", "—", "—");
                table.row("Consul check critical", "→ last request", "not in this build", "—", "—", "—");
                table.note("This build of Isthmus has no Consul source (its sources: " + sources + ").");
            }
            else {
                consulTags(gateway, consul);
                consulCritical(gateway, consul, base, probe);
            }
        }
        finally {
            if (gateway != null) {
                gateway.close();
            }
            if (kube != null) {
                kube.close();
            }
            if (api != null) {
                api.close();
            }
            if (consul != null) {
                consul.close();
            }
            if (base != null) {
                base.close();
            }
            if (probe != null) {
                probe.close();
            }
        }
    }

    private String routes(int n) {
        StringBuilder yaml = new StringBuilder("routes:\n");
        for (int i = 0; i < n; i++) {
            yaml.append("  - {name: r").append(i).append(", match: {path: {prefix: /svc-").append(i).append("/}}, backends: [{url: \"")
                    .append(nginx.upstreamUrl()).append("\"}]}\n");
        }
        return yaml.toString();
    }

    private void warm(Jvm gateway) {
        for (int i = 0; i < (c.smoke() ? 50 : 2000); i++) {
            BenchTools.status(gateway.url("/svc-" + (i % c.propagationRoutes()) + "/"));
        }
    }

    /** A new route appended to the routes file (the previous one dropped, so the count stays put). */
    private void file(Jvm gateway, Path dir, String baseRoutes) throws Exception {
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < warmups() + c.changes(); i++) {
            String path = "/file-" + i + "/";
            String yaml = baseRoutes + "  - {name: file-" + i + ", match: {path: {prefix: " + path + "}}, backends: [{url: \""
                    + nginx.upstreamUrl() + "\"}]}\n";
            long t0 = System.nanoTime();
            Files.writeString(dir.resolve("routes.yaml"), yaml);
            record(samples, i, untilStatus(gateway.url(path), 200, t0));
        }
        Files.writeString(dir.resolve("routes.yaml"), baseRoutes);
        row("file", "routes file", "new route in the file", samples);
    }

    private void gatewayRoutes(Jvm gateway, KubernetesClient kube) {
        var resources = kube.genericKubernetesResources("isthmus.dev/v1alpha1", "GatewayRoute").inNamespace(NS);
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < warmups() + c.changes(); i++) {
            String name = "bench-" + i;
            String path = "/k8s-" + i + "/";
            GenericKubernetesResource r = new GenericKubernetesResourceBuilder().withApiVersion("isthmus.dev/v1alpha1").withKind("GatewayRoute")
                    .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                    .addToAdditionalProperties("spec", Map.of("match", Map.of("path", Map.of("prefix", path)), "backends",
                            List.of(Map.of("url", nginx.upstreamUrl()))))
                    .build();
            long t0 = System.nanoTime();
            resources.resource(r).create();
            record(samples, i, untilStatus(gateway.url(path), 200, t0));
            if (i > 0) {
                resources.withName("bench-" + (i - 1)).delete();
            }
        }
        resources.delete();
        row("gatewayroute", "GatewayRoute (kube-apiserver)", "create", samples);
    }

    private void consulTags(Jvm gateway, ConsulServer consul) {
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < warmups() + c.changes(); i++) {
            String service = "bench-" + i;
            long t0 = System.nanoTime();
            consul.register(service + "-1", service, "127.0.0.1", nginx.upstreamPort, List.of("isthmus.enable=true"), Map.of(), null);
            record(samples, i, untilStatus(gateway.url("/" + service + "/"), 200, t0));
            consul.deregister(service + "-1");
        }
        row("consul", "Consul tags", "register a tagged service", samples);
    }

    private void consulCritical(Jvm gateway, ConsulServer consul, EchoServer base, EchoServer probe) {
        consul.register("crit-base", "crit", "127.0.0.1", base.port(), List.of("isthmus.enable=true"), Map.of(), null);
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < warmups() + c.criticalSamples(); i++) {
            String id = "crit-probe-" + i;
            consul.register(id, "crit", "127.0.0.1", probe.port(), List.of("isthmus.enable=true"), Map.of(), "60s");
            long t = System.nanoTime();
            while (!"probe".equals(upstream(gateway.url("/crit/")))) {
                if (System.nanoTime() - t > TimeUnit.SECONDS.toNanos(15)) {
                    throw new IllegalStateException("the probe instance was never routed to");
                }
            }
            long t0 = System.nanoTime();
            consul.checkFail(id);
            long last = 0;
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(300)) {
                long sent = System.nanoTime();
                if ("probe".equals(upstream(gateway.url("/crit/")))) {
                    last = sent - t0;
                    quietSince = System.nanoTime();
                }
                if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(15)) {
                    throw new IllegalStateException("requests still reach a critical instance 15 s on");
                }
            }
            record(samples, i, Math.max(0, last));
            consul.deregister(id);
        }
        consul.deregister("crit-base");
        row("consul-critical", "Consul check critical", "→ last request to the instance", samples);
    }

    /** Unmeasured changes first, per source: the first ones run through cold code (class loading, JIT). */
    private int warmups() {
        return c.smoke() ? 1 : 5;
    }

    private void record(List<Long> samples, int i, long nanos) {
        if (i >= warmups()) {
            samples.add(nanos);
        }
    }

    private static String upstream(String url) {
        HttpResponse<String> r = BenchTools.get(url);
        return r == null ? "error" : r.statusCode() != 200 ? "status " + r.statusCode() : r.headers().firstValue("X-Upstream").orElse("?");
    }

    /** Nanoseconds from t0 to the send of the first request answered with {@code status}. */
    private static long untilStatus(String url, int status, long t0) {
        while (true) {
            long sent = System.nanoTime();
            if (BenchTools.status(url) == status) {
                return Math.max(0, sent - t0);
            }
            if (sent - t0 > TimeUnit.SECONDS.toNanos(15)) {
                throw new IllegalStateException(url + " did not answer " + status + " within 15 s");
            }
        }
    }

    private void row(String key, String source, String change, List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        sorted.sort(null);
        double p50 = BenchTools.pct(sorted, 50) / 1e6;
        double p99 = BenchTools.pct(sorted, 99) / 1e6;
        double max = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1) / 1e6;
        report.put("s5." + key + ".p50", p50);
        report.put("s5." + key + ".p99", p99);
        table.row(source, change, sorted.size(), p50, p99, max);
        System.out.printf(Locale.ROOT, "[bench] propagation %s: p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d%n", key, p50, p99, max,
                sorted.size());
    }

    private static Set<String> sources(String management) throws Exception {
        // The management server starts after the gateway's: the gateway port can serve a moment before it answers.
        HttpResponse<String> r = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ((r == null || r.statusCode() != 200) && System.nanoTime() < deadline) {
            r = BenchTools.get(management + "/actuator/sources");
            if (r == null || r.statusCode() != 200) {
                Thread.sleep(100);
            }
        }
        Set<String> ids = new TreeSet<>();
        if (r == null || r.statusCode() != 200) {
            System.out.println("[bench] " + management + "/actuator/sources answered " + (r == null ? "nothing" : r.statusCode() + ": " + r.body()));
            return ids;
        }
        JsonNode root = JSON.readTree(r.body());
        for (JsonNode s : root.path("sources")) {
            String id = s.path("status").path("id").asText(s.path("id").asText(""));
            if (!id.isEmpty()) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** Connection settings as a user sets them (Spring Cloud Kubernetes' client properties). */
    private static List<String> kubeArgs(Config k) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("isthmus.kubernetes.enabled", "true");
        p.put("isthmus.kubernetes.namespaces", NS);
        p.put("isthmus.kubernetes.lease-namespace", NS);
        p.put("spring.cloud.kubernetes.client.namespace", NS);
        p.put("spring.cloud.kubernetes.client.master-url", k.getMasterUrl());
        putIfSet(p, "spring.cloud.kubernetes.client.ca-cert-file", k.getCaCertFile());
        putIfSet(p, "spring.cloud.kubernetes.client.ca-cert-data", k.getCaCertData());
        putIfSet(p, "spring.cloud.kubernetes.client.client-cert-file", k.getClientCertFile());
        putIfSet(p, "spring.cloud.kubernetes.client.client-cert-data", k.getClientCertData());
        putIfSet(p, "spring.cloud.kubernetes.client.client-key-file", k.getClientKeyFile());
        putIfSet(p, "spring.cloud.kubernetes.client.client-key-data", k.getClientKeyData());
        List<String> out = new ArrayList<>();
        p.forEach((key, value) -> out.add("--" + key + "=" + value));
        return out;
    }

    private static void putIfSet(Map<String, String> p, String key, String value) {
        if (value != null && !value.isEmpty()) {
            p.put(key, value);
        }
    }

    /** The CRD as the build generated it (target/classes), applied and Established. */
    private static void installCrd(KubernetesClient client) throws Exception {
        CustomResourceDefinition crd;
        try (InputStream in = Propagation.class.getClassLoader().getResourceAsStream("META-INF/fabric8/gatewayroutes.isthmus.dev-v1.yml")) {
            if (in == null) {
                throw new IllegalStateException("the generated CRD is not on the class path (./mvnw package)");
            }
            crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
        }
        client.resource(crd).forceConflicts().serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName()).waitUntilCondition(
                d -> d != null && d.getStatus() != null && d.getStatus().getConditions() != null && d.getStatus().getConditions().stream()
                        .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
                60, TimeUnit.SECONDS);
    }
}
