package dev.isthmus.deploy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.util.function.Tuples;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image recipe without a Docker engine: the Dockerfile's own extract command run on the
 * built jar, its COPY lines assembling the layers into an application directory, and its
 * ENTRYPOINT started there with the chart's rendered application.yaml and environment, as the
 * pod would run it. Also checks that the Dockerfile and the chart agree (user, ports, JVM options,
 * version), that the JVM sizes its heap from the memory limit, HTTP/2 in clear text (h2c), and
 * graceful shutdown on SIGTERM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageIT {

    private int gatewayPort;
    private Dockerfile dockerfile;
    private JsonNode chartValues;
    private Path work;
    private Path app;
    private EchoServer upstream;
    private Manifests manifests;
    private LaunchedGateway gateway;
    private Set<String> appFilesAtStart;

    @BeforeAll
    void assembleTheImageAndStartIt() throws Exception {
        dockerfile = Dockerfile.read(Path.of("Dockerfile"));
        chartValues = Manifests.YAML.readTree(Helm.CHART.resolve("values.yaml").toFile());
        work = Files.createTempDirectory("isthmus-image");

        // RUN java -Djarmode=tools -jar target/isthmus.jar extract ... --destination /layers
        List<String> extract = new ArrayList<>(List.of(dockerfile.buildRun("-Djarmode=tools").split("\\s+")));
        assertThat(extract.get(0)).isEqualTo("java");
        extract.set(0, LaunchedGateway.java());
        extract.set(extract.indexOf("target/isthmus.jar"), LaunchedGateway.jar().toString());
        int destination = extract.indexOf("--destination") + 1;
        Path layers = work.resolve(extract.get(destination).replaceFirst("^/", ""));
        extract.set(destination, layers.toString());
        Process p = new ProcessBuilder(extract).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("extract: %s", out).isZero();

        // COPY --from=build /layers/<layer>/ ./   (into WORKDIR, in order)
        app = work.resolve("app");
        Files.createDirectories(app);
        for (String source : dockerfile.copiedFromBuild()) {
            Path layer = layers.resolve(Path.of("/layers").relativize(Path.of(source)));
            assertThat(layer).as("the Dockerfile copies %s: the extract command must produce it", source).isDirectory();
            copyTree(layer, app);
        }
        appFilesAtStart = listing(app);

        upstream = EchoServer.start("image-upstream");
        Path values = work.resolve("values.yaml");
        Files.writeString(values, """
                configMountPath: %1$s/config
                routes:
                  file:
                    enabled: true
                    mountPath: %1$s/routes
                    content: |
                      routes:
                        - name: echo
                          match: {path: {prefix: /echo/}}
                          rewrite: {prefix: /}
                          backends: [{url: "%2$s"}]
                isthmus:
                  kubernetes:
                    enabled: false
                """.formatted(work, upstream.url()));
        manifests = Manifests.parse(Helm.require().template("isthmus", "image", List.of(values), Map.of()).orFail("helm template").output());
        ChartInvariants.check(manifests);
        SecretVolume.create(work.resolve("config"), Map.of("application.yaml", manifests.applicationYaml()));
        SecretVolume.create(work.resolve("routes"), Map.of("routes.yaml",
                manifests.one("ConfigMap", "isthmus-routes").path("data").path("routes.yaml").asText()));

        // the container's environment: the chart's values; the downward API's, as the kubelet fills them
        Map<String, String> env = new HashMap<>();
        for (JsonNode e : manifests.container().path("env")) {
            if (e.has("value")) {
                env.put(e.path("name").asText(), e.path("value").asText());
            }
            else {
                env.put(e.path("name").asText(), switch (e.path("valueFrom").path("fieldRef").path("fieldPath").asText()) {
                    case "metadata.name" -> "isthmus-7d9f8-abcde";
                    case "metadata.namespace" -> "image";
                    default -> throw new AssertionError("unexpected downward API field in " + e);
                });
            }
        }
        // the memory limit, as the JVM sees it through the container's cgroup
        env.put("JAVA_TOOL_OPTIONS", env.get("JAVA_TOOL_OPTIONS") + " -XX:MaxRAM=" + memoryLimitBytes());
        List<String> entrypoint = new ArrayList<>(dockerfile.entrypoint());
        entrypoint.set(0, LaunchedGateway.java());
        // ports moved to free ones on this shared machine
        gateway = LaunchedGateway.start(ports -> Stream.concat(entrypoint.stream(),
                Stream.of("--server.port=" + ports.gateway(), "--management.server.port=" + ports.management())).toList(), env, app);
        gatewayPort = gateway.ports().gateway();
    }

    @AfterAll
    void stop() throws IOException {
        // each step even if an earlier one fails (the echo server's close can time out under load)
        try {
            if (gateway != null) {
                gateway.close();
            }
        }
        finally {
            try {
                if (upstream != null) {
                    upstream.close();
                }
            }
            finally {
                if (work != null) {
                    Helm.deleteTree(work);
                }
            }
        }
    }

    private long memoryLimitBytes() {
        String limit = manifests.container().path("resources").path("limits").path("memory").asText();
        Matcher m = Pattern.compile("([0-9]+)(Mi|Gi)").matcher(limit);
        assertThat(m.matches()).as("memory limit %s", limit).isTrue();
        return Long.parseLong(m.group(1)) * (m.group(2).equals("Gi") ? 1L << 30 : 1L << 20);
    }

    @Test
    @Order(1)
    void dockerfileAndChartAgree() throws Exception {
        assertThat(dockerfile.runtime("WORKDIR")).hasValue("/app");
        assertThat(dockerfile.entrypoint()).containsExactly("java", "org.springframework.boot.loader.launch.JarLauncher");
        String[] user = dockerfile.runtime("USER").orElseThrow().split(":");
        JsonNode pod = chartValues.path("podSecurityContext");
        assertThat(Integer.parseInt(user[0])).as("Dockerfile USER uid = chart runAsUser").isEqualTo(pod.path("runAsUser").asInt()).isNotZero();
        assertThat(Integer.parseInt(user[1])).as("Dockerfile USER gid = chart runAsGroup").isEqualTo(pod.path("runAsGroup").asInt());
        assertThat(dockerfile.all("RUN").stream().map(Dockerfile.Instruction::arguments).filter(r -> r.contains("useradd")))
                .singleElement().asString().contains("--uid " + user[0]).contains("--gid " + user[1]);

        Set<Integer> exposed = Stream.of(dockerfile.runtime("EXPOSE").orElseThrow().split("\\s+")).map(Integer::valueOf)
                .collect(Collectors.toCollection(TreeSet::new));
        JsonNode ports = chartValues.path("ports");
        assertThat(exposed).as("EXPOSE = the chart's container ports")
                .containsExactlyInAnyOrder(ports.path("http").asInt(), ports.path("https").asInt(), ports.path("management").asInt());
        assertThat(dockerfile.env("JAVA_TOOL_OPTIONS")).as("the chart's jvm.options default is the image's")
                .hasValue(chartValues.path("jvm").path("options").asText());

        String appVersion = Manifests.YAML.readTree(Helm.CHART.resolve("Chart.yaml").toFile()).path("appVersion").asText();
        String pomVersion = Files.readString(Path.of("pom.xml")).replaceAll("(?s).*?<artifactId>isthmus</artifactId>\\s*<version>([^<]+)</version>.*", "$1");
        assertThat(pomVersion).as("the chart's appVersion (default image tag) is the project's version").startsWith(appVersion);
    }

    @Test
    @Order(2)
    void jvmSizesItsHeapFromTheMemoryLimit() throws Exception {
        String options = dockerfile.env("JAVA_TOOL_OPTIONS").orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(LaunchedGateway.java()));
        cmd.addAll(List.of(options.split("\\s+")));
        cmd.addAll(List.of("-XX:MaxRAM=" + memoryLimitBytes(), "-XX:+PrintFlagsFinal", "-version"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String flags = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        long maxHeap = flag(flags, "MaxHeapSize");
        double expected = memoryLimitBytes() * 0.75;
        assertThat((double) maxHeap).as("MaxHeapSize = 75%% of the %d-byte limit", memoryLimitBytes())
                .isBetween(expected * 0.97, expected * 1.01);
        assertThat(flags).containsPattern("ExitOnOutOfMemoryError\\s+= true");
    }

    private static long flag(String printFlagsFinal, String name) {
        Matcher m = Pattern.compile("\\s" + name + "\\s+= ([0-9]+)").matcher(printFlagsFinal);
        assertThat(m.find()).as(name).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    @Order(3)
    void runsFromTheLayersWithTheChartsConfigurationAndProbes() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            String path = manifests.container().path(probe).path("httpGet").path("path").asText();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("%s %s", probe, path).isEqualTo(200);
            assertThat(Manifests.YAML.readTree(r.body()).path("status").asText()).isEqualTo("UP");
        }
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).as("what the ServiceMonitor scrapes").isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_max_bytes");

        HttpResponse<String> proxied = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/echo/hello")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(proxied.statusCode()).isEqualTo(200);
        assertThat(Manifests.YAML.readTree(proxied.body()).path("uri").asText()).isEqualTo("/hello");
        HttpResponse<String> admin = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(admin.statusCode()).as("admin endpoints are not on the gateway port").isEqualTo(404);

        assertThat(listing(app)).as("nothing written into the application directory (read-only root file system)")
                .isEqualTo(appFilesAtStart);
    }

    @Test
    @Order(4)
    void servesHttp2InClearTextByPriorKnowledgeButNotByUpgrade() throws Exception {
        var priorKnowledge = HttpClient.create().protocol(HttpProtocol.H2C).get().uri("http://127.0.0.1:" + gatewayPort + "/echo/h2c")
                .responseSingle((res, body) -> body.asString().map(b -> Tuples.of(res.status().code(), res.version(), b)))
                .block(Duration.ofSeconds(15));
        assertThat(priorKnowledge.getT1()).isEqualTo(200);
        assertThat(priorKnowledge.getT2()).as("h2c with prior knowledge").isEqualTo(HttpVersion.valueOf("HTTP/2.0"));
        assertThat(Manifests.YAML.readTree(priorKnowledge.getT3()).path("uri").asText()).isEqualTo("/h2c");

        // the JDK client asks for HTTP/2 on http:// with "Upgrade: h2c": refused by default
        // (isthmus.server.http2.h2c-upgrade), the request is served as the HTTP/1.1 request it also is
        var jdk = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2).build();
        HttpResponse<String> upgraded = jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/echo/upgrade")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(upgraded.statusCode()).isEqualTo(200);
        assertThat(upgraded.version()).as("no h2c upgrade").isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);

        var http11 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        assertThat(http11.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/echo/h1")).build(),
                HttpResponse.BodyHandlers.ofString()).version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
    }

    /**
     * SIGTERM is what the kubelet sends after the preStop delay: in-flight requests finish, new
     * connections are refused, and the JVM exits well inside the drain timeout.
     */
    @Test
    @Order(5)
    void finishesInFlightRequestsOnSigterm() throws Exception {
        Duration slow = Duration.ofSeconds(3);
        upstream.behave(r -> r.uri().contains("slow") ? EchoServer.Reply.delayed(slow) : EchoServer.Reply.ok());
        int before = upstream.count();
        // one request over HTTP/1.1 and one over h2c (reactor-netty's client: the JDK 17 client wrongly
        // aborts in-flight streams when the server announces shutdown with GOAWAY, JDK-8335181)
        var http11 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<String>> inFlight11 = http11.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/echo/slow-h1")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        CompletableFuture<Integer> inFlightH2c = HttpClient.create().protocol(HttpProtocol.H2C).get()
                .uri("http://127.0.0.1:" + gatewayPort + "/echo/slow-h2c").responseSingle((res, body) -> body.asString().map(b -> res.status().code()))
                .toFuture();
        assertThat(Await.until(Duration.ofSeconds(10), () -> upstream.count() >= before + 2)).as("both requests reached the upstream").isTrue();

        long sigterm = System.nanoTime();
        gateway.process().process().destroy(); // SIGTERM
        assertThat(Await.until(Duration.ofSeconds(2), () -> refusesConnections(gatewayPort))).as("no new connections once draining").isTrue();

        assertThat(inFlight11.get(30, TimeUnit.SECONDS).statusCode()).as("the in-flight HTTP/1.1 request completed").isEqualTo(200);
        assertThat(inFlightH2c.get(30, TimeUnit.SECONDS)).as("the in-flight h2c request completed").isEqualTo(200);
        assertThat(gateway.process().process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        Duration shutdown = Duration.ofNanos(System.nanoTime() - sigterm);
        String drain = manifests.applicationConfig().path("spring").path("lifecycle").path("timeout-per-shutdown-phase").asText();
        assertThat(shutdown).as("exited after the in-flight request, inside the drain timeout %s", drain)
                .isGreaterThanOrEqualTo(slow.minusMillis(500)).isLessThan(Duration.parse("PT" + drain.toUpperCase()));
        assertThat(gateway.log()).contains("Commencing graceful shutdown").contains("Graceful shutdown complete");
        System.out.printf("[ImageIT] SIGTERM to exit with two %d s requests in flight (HTTP/1.1, h2c): %d ms%n", slow.toSeconds(), shutdown.toMillis());
    }

    private static boolean refusesConnections(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return false;
        }
        catch (ConnectException e) {
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : walk.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                }
                else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static Set<String> listing(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.map(p -> dir.relativize(p).toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
