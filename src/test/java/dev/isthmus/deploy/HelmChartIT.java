package dev.isthmus.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.isthmus.testsupport.KubeApiServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart as users install it: {@code helm lint --strict} and {@code helm template} for the
 * default values and every topology example, the chart-wide invariants on what is rendered, and
 * every rendered object (the generated CRD first) accepted by a real kube-apiserver.
 */
class HelmChartIT {

    private static Helm helm;
    private static KubernetesClient admin;

    @BeforeAll
    static void setUp() {
        helm = Helm.require();
        admin = KubeApiServer.shared().client();
    }

    @AfterAll
    static void tearDown() {
        if (admin != null) {
            admin.close();
        }
    }

    static Stream<Arguments> valuesFiles() {
        List<Arguments> args = new ArrayList<>();
        args.add(Arguments.of("defaults", List.of()));
        for (Path example : Helm.examples()) {
            args.add(Arguments.of(example.getFileName().toString().replace(".yaml", ""), List.of(example)));
        }
        return args.stream();
    }

    @Test
    void everyTopologyHasAnExample() {
        assertThat(Helm.examples()).extracting(p -> p.getFileName().toString())
                .contains("public-cloud.yaml", "on-premise-metallb.yaml", "on-premise-nodeport.yaml", "hybrid-consul.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void lintsRendersAndIsAcceptedByTheApiServer(String name, List<Path> values) throws Exception {
        helm.lintStrict(values, Map.of()).orFail("helm lint --strict " + values);
        String namespace = "chart-" + name;
        Manifests m = Manifests.parse(helm.template("isthmus", namespace, values, Map.of()).orFail("helm template " + values).output());

        ChartInvariants.check(m);
        checkExample(name, m);
        assertThat(ConfigFiles.unboundIsthmusKeys(m.applicationYaml())).as("isthmus.* keys the gateway does not know").isEmpty();
        for (JsonNode cm : m.all("ConfigMap")) {
            if (cm.path("data").has("routes.yaml")) {
                assertThat(ConfigFiles.rejectedRoutes(cm.path("data").path("routes.yaml").asText())).as("rejected routes").isEmpty();
            }
        }

        try (ChartInstall install = new ChartInstall(admin)) {
            install.namespace(namespace);
            m.applicationConfig().path("isthmus").path("kubernetes").path("namespaces").forEach(ns -> install.namespace(ns.asText()));
            List<HasMetadata> stored = install.apply(m.yaml());

            assertThat(stored).extracting(HasMetadata::getKind)
                    .as("every rendered object but the CRD is stored").hasSize(m.all().size() - m.all("CustomResourceDefinition").size());
            for (HasMetadata o : stored) {
                assertThat(admin.resource(o).get()).as("%s %s", o.getKind(), o.getMetadata().getName()).isNotNull();
            }
            Deployment deployment = admin.apps().deployments().inNamespace(namespace).withName("isthmus").get();
            var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(container.getLifecycle().getPreStop().getSleep()).as("the API server kept the preStop sleep action").isNotNull();
            assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
                    .allSatisfy(c -> assertThat(c.getMatchLabelKeys()).containsExactly("pod-template-hash"));

            Service service = admin.services().inNamespace(namespace).withName("isthmus").get();
            JsonNode rendered = m.one("Service", "isthmus").path("spec");
            assertThat(service.getSpec().getType()).isEqualTo(rendered.path("type").asText());
            for (JsonNode port : rendered.path("ports")) {
                var storedPort = service.getSpec().getPorts().stream().filter(p -> p.getName().equals(port.path("name").asText())).findFirst()
                        .orElseThrow();
                if (port.has("nodePort")) {
                    assertThat(storedPort.getNodePort()).as("fixed node port kept").isEqualTo(port.path("nodePort").asInt());
                }
                else if (!"ClusterIP".equals(rendered.path("type").asText())) {
                    assertThat(storedPort.getNodePort()).as("node port allocated").isBetween(30000, 32767);
                }
            }
        }
    }

    /** What each example is about, beyond the invariants. */
    private static void checkExample(String name, Manifests m) {
        JsonNode config = m.applicationConfig();
        JsonNode service = m.one("Service", "isthmus");
        switch (name) {
            case "defaults" -> {
                assertThat(service.path("spec").path("type").asText()).isEqualTo("LoadBalancer");
                assertThat(config.path("server").path("port").asInt()).isEqualTo(8080);
                assertThat(config.path("management").path("server").path("port").asInt()).isEqualTo(8081);
                assertThat(config.path("server").path("http2").path("enabled").asBoolean()).isTrue();
                assertThat(m.all("HorizontalPodAutoscaler")).isEmpty();
                assertThat(m.one("PodDisruptionBudget").path("spec").path("maxUnavailable").asInt()).isEqualTo(1);
            }
            case "public-cloud" -> {
                assertThat(service.path("spec").path("type").asText()).isEqualTo("LoadBalancer");
                assertThat(service.path("metadata").path("annotations").path("service.beta.kubernetes.io/aws-load-balancer-type").asText())
                        .isEqualTo("external");
                assertThat(config.path("server").path("ssl").path("server-name-bundles")).hasSize(3);
                assertThat(m.one("HorizontalPodAutoscaler").path("spec").path("minReplicas").asInt()).isEqualTo(3);
                assertThat(m.one("Deployment").path("spec").has("replicas")).as("the HPA owns the replica count").isFalse();
                assertThat(service.path("spec").path("ports")).extracting(p -> p.path("port").asInt()).containsExactly(80, 443);
                // NLB IP targets do not keep client IPs: PROXY protocol v2, believed from the VPC only
                assertThat(service.path("metadata").path("annotations").path("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol")
                        .asText()).isEqualTo("*");
                assertThat(config.path("isthmus").path("server").path("proxy-protocol").path("trusted-cidrs"))
                        .extracting(JsonNode::asText).containsExactly("10.0.0.0/16");
            }
            case "on-premise-metallb" -> {
                assertThat(service.path("spec").path("type").asText()).isEqualTo("LoadBalancer");
                JsonNode annotations = service.path("metadata").path("annotations");
                assertThat(annotations.path("metallb.io/address-pool").asText()).isEqualTo("gateway-pool");
                assertThat(annotations.path("metallb.io/loadBalancerIPs").asText()).isEqualTo("192.0.2.10");
                assertThat(service.path("spec").path("externalTrafficPolicy").asText()).isEqualTo("Local");
                assertThat(service.path("spec").path("ports")).extracting(p -> p.path("nodePort").asInt()).containsExactly(30080, 30443);
            }
            case "on-premise-nodeport" -> {
                assertThat(service.path("spec").path("type").asText()).isEqualTo("NodePort");
                assertThat(service.path("spec").path("ports")).extracting(p -> p.path("nodePort").asInt()).containsExactly(30080, 30443);
                assertThat(config.path("isthmus").path("file").path("enabled").asBoolean()).isTrue();
                String routes = m.one("ConfigMap", "isthmus-routes").path("data").path("routes.yaml").asText();
                assertThat(Manifests.readYaml(routes).path("routes").get(0).path("name").asText()).isEqualTo("status-page");
                assertThat(m.one("ConfigMap", "isthmus-routes").path("metadata").path("labels").has("isthmus.dev/routes"))
                        .as("not also picked up by the ConfigMap route source").isFalse();
                // behind an SNATing F5 with externalTrafficPolicy Cluster, client addresses come by PROXY protocol
                assertThat(config.path("isthmus").path("server").path("proxy-protocol").path("enabled").asBoolean()).isTrue();
                assertThat(config.path("isthmus").path("server").path("proxy-protocol").path("trusted-cidrs")).hasSize(2);
            }
            case "admin-locked-down" -> {
                assertThat(m.env("MANAGEMENT_SERVER_ADDRESS").orElseThrow().path("valueFrom").path("fieldRef").path("fieldPath").asText())
                        .isEqualTo("status.podIP");
                JsonNode auth = config.path("isthmus").path("admin").path("auth");
                assertThat(auth.path("bearer-token-file").asText()).isEqualTo("/etc/isthmus/admin-auth/token");
                assertThat(auth.path("basic-credentials-file").asText()).isEqualTo("/etc/isthmus/admin-auth/users");
                JsonNode ingress = m.one("NetworkPolicy").path("spec").path("ingress");
                assertThat(ingress).hasSize(2);
                JsonNode management = ingress.get(1);
                assertThat(management.path("ports").get(0).path("port").asText()).isEqualTo("management");
                assertThat(management.path("from")).as("only Prometheus; the kubelet's probes are not subject to it").hasSize(1);
                assertThat(management.path("from").get(0).path("podSelector").path("matchLabels").path("app.kubernetes.io/name").asText())
                        .isEqualTo("prometheus");
            }
            case "hybrid-consul" -> {
                assertThat(config.path("isthmus").path("consul").path("enabled").asBoolean()).isTrue();
                assertThat(config.path("isthmus").path("discovery").path("policy").asText()).isEqualTo("failover");
                assertThat(m.env("SPRING_CLOUD_CONSUL_HOST").orElseThrow().path("valueFrom").path("fieldRef").path("fieldPath").asText())
                        .isEqualTo("status.hostIP");
                assertThat(m.env("SPRING_CLOUD_CONSUL_TOKEN").orElseThrow().path("valueFrom").path("secretKeyRef").path("name").asText())
                        .isEqualTo("consul-acl-token");
                assertThat(config.path("spring").path("cloud").path("consul").path("scheme").asText()).isEqualTo("https");
                assertThat(config.path("spring").path("cloud").path("consul").path("tls").path("key-store-path").asText())
                        .isEqualTo("/etc/isthmus/consul-tls/truststore.jks");
                assertThat(m.all("Role")).extracting(r -> r.path("metadata").path("namespace").asText())
                        .contains("shop", "payments", "chart-hybrid-consul");
                assertThat(m.one("NetworkPolicy").path("spec").path("ingress")).hasSize(2);
            }
            default -> throw new AssertionError("an example without expectations: add them here: " + name);
        }
    }

    @Test
    void schemaAndChartRejectInvalidValues() {
        Map<String, String> rejected = Map.ofEntries(
                Map.entry("service.type=Ingress", "/service/type"),
                Map.entry("service.nodePorts.https=443", "/service/nodePorts/https"),
                Map.entry("tls.httpRedirect.status=200", "/tls/httpRedirect/status"),
                Map.entry("isthmus.discovery.policy=nearest", "/isthmus/discovery/policy"),
                Map.entry("replicaCount=-1", "/replicaCount"),
                Map.entry("servce.type=NodePort", "servce"),
                Map.entry("tls.enabled=true", "tls.defaultSecret is required"),
                Map.entry("shutdown.terminationGracePeriodSeconds=35", "must exceed shutdown.preStopSleepSeconds + shutdown.drainTimeoutSeconds"),
                Map.entry("ports.management=8080", "ports.management must differ"),
                Map.entry("clientAddress.proxyProtocol.enabled=true", "clientAddress.proxyProtocol.trustedCidrs is required"),
                Map.entry("admin.bindAddress=every-interface", "/admin/bindAddress"),
                Map.entry("http2.maxConcurrentStreams=0", "/http2/maxConcurrentStreams"));
        rejected.forEach((set, expected) -> {
            String[] kv = set.split("=", 2);
            Helm.Result r = helm.template("isthmus", "chart-invalid", List.of(), Map.of(kv[0], kv[1]));
            assertThat(r.exitCode()).as("--set %s is refused", set).isNotZero();
            assertThat(r.output()).as("--set %s", set).contains(expected);
        });
        Helm.Result ok = helm.template("isthmus", "chart-invalid", List.of(),
                Map.of("service.type", "NodePort", "service.nodePorts.http", "30080", "tls.enabled", "true", "tls.defaultSecret", "gw-tls"));
        assertThat(ok.exitCode()).as(ok.output()).isZero();
    }

    @Test
    void optionalMonitoringAndNetworkPolicyPointAtTheRightPorts() {
        Map<String, String> sets = Map.of("serviceMonitor.enabled", "true", "serviceMonitor.labels.release", "prometheus",
                "networkPolicy.enabled", "true", "networkPolicy.managementFrom[0].namespaceSelector.matchLabels.team", "monitoring");
        Manifests m = Manifests.parse(helm.template("isthmus", "chart-monitoring", List.of(), sets,
                List.of("monitoring.coreos.com/v1/ServiceMonitor")).orFail("helm template").output());
        ChartInvariants.check(m);

        JsonNode monitor = m.one("ServiceMonitor");
        JsonNode adminService = m.one("Service", "isthmus-admin");
        monitor.path("spec").path("selector").path("matchLabels").properties().forEach(
                l -> assertThat(adminService.path("metadata").path("labels").path(l.getKey()).asText()).as("selects the admin Service").isEqualTo(
                        l.getValue().asText()));
        assertThat(m.one("Service", "isthmus").path("metadata").path("labels").path("app.kubernetes.io/component").asText())
                .as("and not the gateway Service").isNotEqualTo("admin");
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertThat(endpoint.path("port").asText()).isEqualTo(adminService.path("spec").path("ports").get(0).path("name").asText());
        assertThat(endpoint.path("path").asText()).isEqualTo("/actuator/prometheus");
        assertThat(m.applicationConfig().path("management").path("server").path("port").asInt())
                .isEqualTo(m.containerPort(adminService.path("spec").path("ports").get(0).path("targetPort").asText()));

        JsonNode policy = m.one("NetworkPolicy");
        for (JsonNode rule : policy.path("spec").path("ingress")) {
            for (JsonNode port : rule.path("ports")) {
                assertThat(m.containerPort(port.path("port").asText())).as("NetworkPolicy port %s", port.path("port").asText()).isPositive();
            }
        }
        assertThat(policy.path("spec").path("ingress").get(1).path("from").get(0).path("namespaceSelector").path("matchLabels")
                .path("team").asText()).isEqualTo("monitoring");
        // the NetworkPolicy is a built-in kind: the API server validates it too
        try (ChartInstall install = new ChartInstall(admin)) {
            install.namespace("chart-monitoring");
            String withoutMonitor = Stream.of(m.yaml().split("(?m)^---\\s*$")).filter(doc -> !doc.contains("kind: ServiceMonitor"))
                    .reduce("", (a, b) -> a + "\n---\n" + b);
            install.apply(withoutMonitor);
            assertThat(admin.network().networkPolicies().inNamespace("chart-monitoring").withName("isthmus").get()).isNotNull();
        }
    }
}
