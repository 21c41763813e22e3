package dev.isthmus.cli;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.isthmus.testsupport.GatewayProcess;
import dev.isthmus.testsupport.JarCommand;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java -jar isthmus.jar validate}, the real jar as a process: routes files, ConfigMap and
 * GatewayRoute manifests in multi-document files, every problem with its file, line, object and
 * field, exit status 0 / 1 / 2, the same verdicts as a running gateway, and no server started.
 */
class ValidateCommandIT {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    static final String ROUTES = """
            # the routes file
            routes:
              - name: echo
                match: {path: {prefix: /echo/}}
                backends: [{url: "http://127.0.0.1:9090"}]
              - name: slow
                match:
                  path: {prefix: /slow/}
                backends: [{service: quote}]
                timeouts:
                  connect: 10h
                  response: 0s
              - name: typo
                match: {path: {prefx: /x/}}
                backends: [{url: "http://127.0.0.1:9090"}]
            """;

    static final String MANIFESTS = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec: {}
            ---
            apiVersion: isthmus.dev/v1alpha1
            kind: GatewayRoute
            metadata: {name: quote, namespace: shop}
            spec:
              hosts: ["api.example.com"]
              match:
                path: {prefix: /quote/}
              backends:
                - {service: quote, port: http, weight: 90}
                - {service: "k8s:Bad_NS/x"}
              retries: {attempts: 99}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: routes
              labels: {isthmus.dev/routes: "true"}
            data:
              api.yaml: |
                routes:
                  - name: a
                    match: {path: {prefix: /a/}}
                    backends: [{url: "http://10.0.0.1:80"}]
                  - name: b
                    match: {path: {prefix: /b/}}
                    backends: [{url: "ftp://x"}]
              broken.yaml: |
                routes: [
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: unlabelled}
            data: {x.yaml: "routes: []"}
            """;

    @Test
    void printsEveryProblemWithFileLineObjectAndFieldAndExitsOne() throws Exception {
        Files.writeString(dir.resolve("routes.yaml"), ROUTES);
        Files.writeString(dir.resolve("k8s.yaml"), MANIFESTS);

        JarCommand.Result r = JarCommand.run(dir, null, "validate", "routes.yaml", "k8s.yaml");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains(
                "routes.yaml:3: file/echo: accepted",
                "routes.yaml:6: file/slow: rejected (InvalidPolicy)",
                "routes.yaml:11:   routes[1].timeouts.connect: '10h' is more than the maximum of 5m [InvalidPolicy]",
                "routes.yaml:12:   routes[1].timeouts.response: must be at least 1ms [InvalidPolicy]",
                "routes.yaml:14:   routes[2].match.path.prefx: Unrecognized field \"prefx\"",
                "k8s.yaml:6: gatewayroute/shop/quote (GatewayRoute shop/quote): rejected (InvalidBackend)",
                "k8s.yaml:15:   spec.backends[1].service: 'k8s:Bad_NS/x': 'Bad_NS' is not a namespace name [InvalidBackend]",
                "k8s.yaml:16:   spec.retries.attempts: must be 0-10 [InvalidPolicy]",
                "k8s.yaml:26: configmap/default/routes/a (ConfigMap default/routes): accepted",
                "k8s.yaml:31:   data.api.yaml.routes[1].backends[0].url: must be http:// or https:// [InvalidBackend]",
                "k8s.yaml:18: ConfigMap default/routes: rejected (InvalidDocument)",
                "data.broken.yaml: invalid YAML",
                "k8s.yaml:1: Deployment shop/web: skipped: not a kind Isthmus reads routes from",
                "ConfigMap default/unlabelled: skipped: no label isthmus.dev/routes=\"true\"",
                "6 route(s) in 5 document(s): 2 accepted, 4 rejected; 1 object(s) rejected; 2 skipped");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void namedPoliciesOfTheFileAndOfTheOperatorAreSeenAsTheGatewaySeesThem() throws Exception {
        Files.writeString(dir.resolve("routes.yaml"), """
                policies:
                  - name: staff
                    ipAllow: [10.0.0.0/8]
                routes:
                  - name: by-file-policy
                    match: {path: {prefix: /a}}
                    backends: [{url: "http://127.0.0.1:9090"}]
                    auth: {policy: staff}
                  - name: by-operator-policy
                    match: {path: {prefix: /b}}
                    backends: [{url: "http://127.0.0.1:9090"}]
                    auth: {policy: office}
                  - name: by-nobody
                    match: {path: {prefix: /c}}
                    backends: [{url: "http://127.0.0.1:9090"}]
                    auth: {policy: nobody}
                """);

        JarCommand.Result r = JarCommand.run(dir, null, "validate", "--set", "isthmus.auth.policies.office.ip-deny=192.0.2.0/24",
                "routes.yaml");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("file/by-file-policy: accepted", "file/by-operator-policy: accepted",
                "file/by-nobody: rejected (PolicyNotFound)", "(it can use: office, staff)");
    }

    @Test
    void jsonCarriesTheSameFindings() throws Exception {
        Files.writeString(dir.resolve("routes.yaml"), ROUTES);
        Files.writeString(dir.resolve("k8s.yaml"), MANIFESTS);

        JarCommand.Result r = JarCommand.run(dir, null, "validate", "--format", "json", "--namespace", "shop", "routes.yaml", "k8s.yaml");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        JsonNode report = json.readTree(r.out());
        assertThat(report.get("valid").asBoolean()).isFalse();
        assertThat(report.at("/summary/routes").asInt()).isEqualTo(6);
        assertThat(report.at("/summary/accepted").asInt()).isEqualTo(2);
        assertThat(report.at("/summary/skipped").asInt()).isEqualTo(2);
        Map<String, JsonNode> byRoute = new HashMap<>();
        report.get("results").forEach(f -> byRoute.put(f.path("routeId").asText(null), f));
        // --namespace is the namespace of manifests that name none, as kubectl's
        assertThat(byRoute).containsKeys("configmap/shop/routes/a", "configmap/shop/routes/b", "gatewayroute/shop/quote");
        JsonNode slow = byRoute.get("file/slow");
        assertThat(slow.get("accepted").asBoolean()).isFalse();
        assertThat(slow.at("/problems/0/field").asText()).isEqualTo("routes[1].timeouts.connect");
        assertThat(slow.at("/problems/0/line").asInt()).isEqualTo(11);
        assertThat(slow.at("/problems/0/reason").asText()).isEqualTo("InvalidPolicy");
        assertThat(byRoute.get("file/echo").get("accepted").asBoolean()).isTrue();
        assertThat(byRoute.get("gatewayroute/shop/quote").at("/problems/1/field").asText()).isEqualTo("spec.retries.attempts");
    }

    @Test
    void exitsZeroWhenEverythingIsAcceptedAndReadsListsAndStandardInput() throws Exception {
        Files.writeString(dir.resolve("list.yaml"), """
                apiVersion: v1
                kind: List
                items:
                  - apiVersion: isthmus.dev/v1alpha1
                    kind: GatewayRoute
                    metadata: {name: one, namespace: shop}
                    spec:
                      match: {path: {prefix: /one/}}
                      backends: [{service: one}]
                  - apiVersion: isthmus.dev/v1alpha1
                    kind: GatewayRoute
                    metadata: {name: two, namespace: shop}
                    spec:
                      match: {path: {exact: /two}}
                      redirect: {path: /one/, code: 301}
                """);
        String routes = """
                routes:
                  - name: echo
                    match: {path: {prefix: /echo/}}
                    backends: [{url: "http://127.0.0.1:9090"}]
                """;

        JarCommand.Result r = JarCommand.run(dir, routes, "validate", "list.yaml", "-");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("list.yaml:4: gatewayroute/shop/one (GatewayRoute shop/one): accepted",
                "list.yaml:10: gatewayroute/shop/two (GatewayRoute shop/two): accepted", "(stdin):2: file/echo: accepted",
                "3 route(s) in 2 document(s): 3 accepted, 0 rejected");
    }

    @Test
    void routesFromDifferentFilesConflictAsOnOneGateway() throws Exception {
        Files.writeString(dir.resolve("routes.yaml"), """
                routes:
                  - name: quote
                    match: {path: {prefix: /quote/}}
                    backends: [{url: "http://127.0.0.1:9090"}]
                """);
        Files.writeString(dir.resolve("gr.yaml"), """
                apiVersion: isthmus.dev/v1alpha1
                kind: GatewayRoute
                metadata: {name: quote, namespace: shop, creationTimestamp: "2026-01-01T00:00:00Z"}
                spec:
                  match: {path: {prefix: /quote/}}
                  backends: [{service: quote}]
                """);

        JarCommand.Result r = JarCommand.run(dir, null, "validate", "routes.yaml", "gr.yaml");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        // ownership (issue 15): the operator's routes file holds the path on the default host, even against an
        // older GatewayRoute; the tenant's route is reported with the holder, as a running gateway reports it
        assertThat(r.out()).contains("routes.yaml:2: file/quote: accepted",
                "gr.yaml:1: gatewayroute/shop/quote (GatewayRoute shop/quote): rejected (HostClaimed)", "held by operator");
    }

    @Test
    void compilesWithTheGatewaysOwnSettings() throws Exception {
        Files.writeString(dir.resolve("gr.yaml"), """
                apiVersion: isthmus.dev/v1alpha1
                kind: GatewayRoute
                metadata: {name: public, namespace: shop}
                spec:
                  gatewayClassName: public
                  match: {path: {prefix: /p/}}
                  backends: [{service: p}]
                ---
                apiVersion: isthmus.dev/v1alpha1
                kind: GatewayRoute
                metadata: {name: unclassed, namespace: shop}
                spec:
                  match: {path: {prefix: /u/}}
                  backends: [{service: u}]
                """);
        Files.writeString(dir.resolve("application.yaml"), "isthmus:\n  kubernetes:\n    gateway-class: public\n");

        JarCommand.Result classed = JarCommand.run(dir, null, "validate", "--config", "application.yaml", "gr.yaml");
        assertThat(classed.exit()).as(classed.toString()).isZero();
        assertThat(classed.out()).contains("gatewayroute/shop/public (GatewayRoute shop/public): accepted",
                "GatewayRoute shop/unclassed: skipped: for another gateway class than this gateway's (routes of gateway class 'public')");

        JarCommand.Result unclassed = JarCommand.run(dir, null, "validate", "gr.yaml");
        assertThat(unclassed.out()).contains("gatewayroute/shop/unclassed (GatewayRoute shop/unclassed): accepted",
                "GatewayRoute shop/public: skipped");

        // an invalid setting is refused as the gateway refuses to start on it
        JarCommand.Result invalid = JarCommand.run(dir, null, "validate", "--set", "isthmus.kubernetes.lease-duration=0s", "gr.yaml");
        assertThat(invalid.exit()).as(invalid.toString()).isEqualTo(2);
        assertThat(invalid.err()).contains("invalid configuration", "isthmus.kubernetes.leaseDuration");
    }

    @Test
    void usageErrorsExitTwoAndUnreadableFilesAreRejections() throws Exception {
        JarCommand.Result noFile = JarCommand.run(dir, null, "validate");
        assertThat(noFile.exit()).isEqualTo(2);
        assertThat(noFile.err()).contains("no FILE given", "--help");

        JarCommand.Result badFormat = JarCommand.run(dir, null, "validate", "--format", "xml", "x.yaml");
        assertThat(badFormat.exit()).isEqualTo(2);

        JarCommand.Result missing = JarCommand.run(dir, null, "validate", "missing.yaml");
        assertThat(missing.exit()).as(missing.toString()).isEqualTo(1);
        assertThat(missing.out()).contains("missing.yaml:1: file: rejected (InvalidDocument)", "no such file");

        Files.writeString(dir.resolve("bad.yaml"), "routes:\n  - name: x\n    match: {path: {prefix: /x/}\n");
        JarCommand.Result invalidYaml = JarCommand.run(dir, null, "validate", "bad.yaml");
        assertThat(invalidYaml.exit()).isEqualTo(1);
        assertThat(invalidYaml.out()).contains("bad.yaml:1: document 1: rejected (InvalidDocument)", "invalid YAML: while parsing a flow mapping (line 3, column 32)");

        JarCommand.Result help = JarCommand.run(dir, null, "validate", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: java -jar isthmus.jar validate");
    }

    /** If it started a server it could not bind these ports, which this test holds. */
    @Test
    void startsNoServer() throws Exception {
        Files.writeString(dir.resolve("routes.yaml"), "routes: []\n");
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            JarCommand.Result r = JarCommand.run(dir, null, "validate", "routes.yaml", "--server.port=" + port);
            // --server.port is not an option of validate: refused, never run as a gateway
            assertThat(r.exit()).isEqualTo(2);
            JarCommand.Result ok = JarCommand.run(dir, null, "validate", "--set", "server.port=" + port, "--set",
                    "management.server.port=" + port, "routes.yaml");
            assertThat(ok.exit()).as(ok.toString()).isZero();
            assertThat(ok.out()).doesNotContain("Netty started", "Started IsthmusApplication");
        }
    }

    /** The offline verdicts are the running gateway's: the same routes file through both. */
    @Test
    void agreesWithARunningGateway() throws Exception {
        String routes = ROUTES.replace("routes:\n", "routes:\n  - name: conflicting\n    match: {path: {prefix: /echo/}}\n"
                + "    backends: [{url: \"http://127.0.0.1:9091\"}]\n");
        Files.writeString(dir.resolve("routes.yaml"), routes);
        JarCommand.Result offline = JarCommand.run(dir, null, "validate", "--format", "json", "routes.yaml");
        Map<String, String> offlineVerdicts = new HashMap<>();
        json.readTree(offline.out()).get("results").forEach(f -> offlineVerdicts.put(f.path("routeId").asText(), f.path("reason").asText()
                + ": " + f.path("message").asText()));

        try (GatewayProcess gateway = GatewayProcess.start(Map.of(), routes)) {
            HttpResponse<String> table = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(gateway.managementUrl() + "/actuator/routes")).build(), HttpResponse.BodyHandlers.ofString());
            Map<String, String> liveVerdicts = new HashMap<>();
            json.readTree(table.body()).get("routes").forEach(v -> liveVerdicts.put(v.path("id").asText(), v.path("status").asText()
                    + ": " + v.path("message").asText()));
            assertThat(offlineVerdicts).hasSize(4).isEqualTo(liveVerdicts);
        }
    }
}
