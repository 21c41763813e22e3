package dev.isthmus.deploy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What must hold for every rendering of the chart, whatever the values: the pod spec, the
 * Services and the application configuration agree with each other.
 */
final class ChartInvariants {

    private ChartInvariants() {
    }

    static void check(Manifests m) {
        JsonNode config = m.applicationConfig();
        JsonNode container = m.container();
        JsonNode pod = m.podSpec();

        // ports: the configuration listens where the container and the Services say
        int management = config.path("management").path("server").path("port").asInt();
        assertThat(management).as("management.server.port").isPositive().isEqualTo(m.containerPort("management"));
        boolean tls = config.path("server").has("ssl");
        int serverPort = config.path("server").path("port").asInt();
        assertThat(serverPort).as("server.port").isEqualTo(m.containerPort(tls ? "https" : "http"));
        JsonNode redirect = config.path("isthmus").path("http-redirect");
        if (redirect.path("enabled").asBoolean()) {
            assertThat(redirect.path("port").asInt()).as("redirect listener port").isEqualTo(m.containerPort("http"));
        }
        JsonNode gatewayService = m.all("Service").stream()
                .filter(s -> "gateway".equals(s.path("metadata").path("labels").path("app.kubernetes.io/component").asText())).findFirst()
                .orElseThrow();
        for (JsonNode port : gatewayService.path("spec").path("ports")) {
            String target = port.path("targetPort").asText();
            assertThat(m.containerPort(target)).as("gateway Service targetPort %s is a container port", target).isPositive();
            assertThat(target).as("the admin port is never behind the gateway Service").isNotEqualTo("management");
        }
        JsonNode adminService = m.all("Service").stream()
                .filter(s -> "admin".equals(s.path("metadata").path("labels").path("app.kubernetes.io/component").asText())).findFirst()
                .orElseThrow();
        assertThat(adminService.path("spec").path("type").asText()).isEqualTo("ClusterIP");
        assertThat(adminService.path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("management");

        // probes on the actuator groups, on the admin port
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/actuator/health/liveness");
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/actuator/health/liveness");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/actuator/health/readiness");
        for (String probe : List.of("livenessProbe", "startupProbe", "readinessProbe")) {
            assertThat(container.path(probe).path("httpGet").path("port").asText()).as(probe).isEqualTo("management");
        }

        // non-root, read-only root file system, a writable /tmp
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).isPositive();
        assertThat(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.path("securityContext").path("allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(container.path("securityContext").path("capabilities").path("drop").toString()).contains("ALL");
        Map<String, JsonNode> volumes = new HashMap<>();
        pod.path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
        Map<String, String> mounts = new HashMap<>();
        container.path("volumeMounts").forEach(v -> mounts.put(v.path("mountPath").asText(), v.path("name").asText()));
        assertThat(mounts).containsKey("/tmp");
        assertThat(volumes.get(mounts.get("/tmp")).has("emptyDir")).as("/tmp is an emptyDir").isTrue();
        assertThat(container.path("env").toString()).contains("JAVA_TOOL_OPTIONS").contains("-Djava.io.tmpdir=/tmp");

        // graceful termination: preStop delay, then a drain, both inside the grace period
        assertThat(config.path("server").path("shutdown").asText()).isEqualTo("graceful");
        String drain = config.path("spring").path("lifecycle").path("timeout-per-shutdown-phase").asText();
        assertThat(drain).matches("[0-9]+s");
        int drainSeconds = Integer.parseInt(drain.substring(0, drain.length() - 1));
        int preStop = container.path("lifecycle").path("preStop").path("sleep").path("seconds").asInt(-1);
        assertThat(preStop).as("preStop sleep (Kubernetes >= 1.30 sleep action)").isPositive();
        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isGreaterThan(preStop + drainSeconds);

        // the configuration file is the chart's ConfigMap, mounted where Spring looks for it
        String location = m.env("SPRING_CONFIG_ADDITIONAL_LOCATION").orElseThrow().path("value").asText();
        assertThat(location).startsWith("file:").endsWith("/");
        String configDir = location.substring("file:".length(), location.length() - 1);
        JsonNode configVolume = volumes.get(mounts.get(configDir));
        assertThat(configVolume).as("a volume is mounted at %s", configDir).isNotNull();
        String configMapName = configVolume.path("configMap").path("name").asText();
        assertThat(m.one("ConfigMap", configMapName).path("data").has("application.yaml")).isTrue();
        // and a change to it rolls the pods
        assertThat(m.one("Deployment").path("spec").path("template").path("metadata").path("annotations").path("checksum/config").asText())
                .isEqualTo(sha256(m.applicationYaml().stripTrailing()));

        // TLS: every bundle's files come from a mounted Secret; every SNI name has a bundle
        JsonNode pem = config.path("spring").path("ssl").path("bundle").path("pem");
        if (tls) {
            // the probes are plain HTTP: the admin server must not inherit server.ssl (Spring Boot's default)
            assertThat(container.path("readinessProbe").path("httpGet").has("scheme")).isFalse();
            assertThat(config.path("management").path("server").path("ssl").path("enabled").asText()).isEqualTo("false");
            assertThat(config.path("server").path("ssl").path("bundle").asText()).isEqualTo("default");
            assertThat(pem.has("default")).isTrue();
            pem.properties().forEach(b -> {
                assertThat(b.getValue().path("reload-on-update").asBoolean()).as("bundle %s reloads", b.getKey()).isTrue();
                for (String file : List.of("certificate", "private-key")) {
                    String path = b.getValue().path("keystore").path(file).asText().replaceFirst("^file:", "");
                    String dir = path.substring(0, path.lastIndexOf('/'));
                    assertThat(mounts).as("bundle %s %s directory %s is mounted", b.getKey(), file, dir).containsKey(dir);
                    assertThat(volumes.get(mounts.get(dir)).has("secret")).as("%s is a Secret volume", dir).isTrue();
                }
            });
            for (JsonNode sni : config.path("server").path("ssl").path("server-name-bundles")) {
                assertThat(pem.has(sni.path("bundle").asText())).as("bundle of %s", sni.path("server-name").asText()).isTrue();
            }
        }

        // the routes file, when on, is a mounted ConfigMap
        JsonNode file = config.path("isthmus").path("file");
        if (file.path("enabled").asBoolean(true)) {
            String path = file.path("path").asText();
            String dir = path.substring(0, path.lastIndexOf('/'));
            assertThat(volumes.get(mounts.get(dir)).has("configMap")).as("routes file directory %s is a ConfigMap volume", dir).isTrue();
        }

        // spread constraints select the gateway's own pods
        JsonNode podLabels = m.one("Deployment").path("spec").path("template").path("metadata").path("labels");
        for (JsonNode c : pod.path("topologySpreadConstraints")) {
            c.path("labelSelector").path("matchLabels").properties()
                    .forEach(l -> assertThat(podLabels.path(l.getKey()).asText()).isEqualTo(l.getValue().asText()));
        }

        // RBAC scope follows isthmus.kubernetes.namespaces
        JsonNode kubernetes = config.path("isthmus").path("kubernetes");
        if (kubernetes.path("enabled").asBoolean()) {
            Set<String> watched = new HashSet<>();
            kubernetes.path("namespaces").forEach(n -> watched.add(n.asText()));
            if (watched.isEmpty()) {
                assertThat(m.all("ClusterRole")).hasSize(1);
                assertThat(m.all("ClusterRoleBinding")).hasSize(1);
            }
            else {
                assertThat(m.all("ClusterRole")).as("no cluster-wide read when namespaces are restricted").isEmpty();
                Set<String> roleNamespaces = new HashSet<>();
                m.all("RoleBinding").forEach(r -> roleNamespaces.add(r.path("metadata").path("namespace").asText()));
                assertThat(roleNamespaces).containsAll(watched);
            }
        }
    }

    static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
