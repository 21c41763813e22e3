package dev.isthmus.deploy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's monitoring: the Grafana dashboard ConfigMap and the PrometheusRule, linted and
 * rendered with the real helm; the PrometheusRule and ServiceMonitor only where the cluster serves
 * the Prometheus Operator's API; and every metric their PromQL reads exported by a running gateway
 * (the real jar, after traffic of every kind), so no panel or alert watches a name that is never
 * there.
 */
class MonitoringChartIT {

    private static final Map<String, String> MONITORING = Map.of("serviceMonitor.enabled", "true", "prometheusRule.enabled", "true",
            "grafanaDashboard.enabled", "true", "grafanaDashboard.annotations.grafana_folder", "Gateways");
    private static final List<String> OPERATOR_APIS = List.of("monitoring.coreos.com/v1/ServiceMonitor",
            "monitoring.coreos.com/v1/PrometheusRule");

    private static Helm helm;

    @BeforeAll
    static void setUp() {
        helm = Helm.require();
    }

    @Test
    void lintsAndRendersOnlyWhatTheClusterServes() throws Exception {
        helm.lintStrict(List.of(), MONITORING).orFail("helm lint --strict");

        Manifests without = Manifests.parse(helm.template("isthmus", "mon", List.of(), MONITORING).orFail("helm template").output());
        assertThat(without.all("ServiceMonitor")).as("no Prometheus Operator API: no ServiceMonitor").isEmpty();
        assertThat(without.all("PrometheusRule")).as("no Prometheus Operator API: no PrometheusRule").isEmpty();
        assertThat(without.find("ConfigMap", "isthmus-dashboard")).as("the dashboard is a plain ConfigMap").isPresent();

        Manifests with = Manifests.parse(helm.template("isthmus", "mon", List.of(), MONITORING, OPERATOR_APIS).orFail("helm template").output());
        assertThat(with.all("ServiceMonitor")).hasSize(1);
        JsonNode rule = with.one("PrometheusRule", "isthmus");
        JsonNode rules = rule.at("/spec/groups/0/rules");
        assertThat(rules.size()).isGreaterThanOrEqualTo(8);
        for (JsonNode r : rules) {
            assertThat(r.path("alert").asText()).startsWith("Isthmus");
            assertThat(r.path("expr").asText()).as(r.path("alert").asText()).contains("job=\"isthmus-admin\"");
            assertThat(r.at("/labels/severity").asText()).isIn("info", "warning", "critical");
            assertThat(r.path("for").asText()).matches("\\d+m");
        }
        // the rule's job matches the Service the ServiceMonitor scrapes (the Prometheus Operator's default job label)
        assertThat(with.find("Service", "isthmus-admin")).isPresent();

        JsonNode dashboardMap = with.one("ConfigMap", "isthmus-dashboard");
        assertThat(dashboardMap.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        assertThat(dashboardMap.at("/metadata/annotations/grafana_folder").asText()).isEqualTo("Gateways");

        Path values = Files.createTempFile("monitoring", ".yaml");
        Files.writeString(values, """
                prometheusRule:
                  enabled: true
                  errorRatio: 0.2
                  additionalRules:
                    - {alert: Mine, expr: vector(1)}
                """);
        Manifests custom = Manifests.parse(helm.template("isthmus", "mon", List.of(values), Map.of(), OPERATOR_APIS).orFail("helm template").output());
        Files.delete(values);
        JsonNode customRules = custom.one("PrometheusRule", "isthmus").at("/spec/groups/0/rules");
        assertThat(customRules.get(0).path("expr").asText()).contains("> 0.2");
        assertThat(customRules.get(customRules.size() - 1).path("alert").asText()).isEqualTo("Mine");

        Helm.Result invalid = helm.template("isthmus", "mon", List.of(), Map.of("prometheusRule.errorRatio", "2"));
        assertThat(invalid.exitCode()).as("the schema bounds the ratio").isNotZero();
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsReadIsExported() throws Exception {
        Manifests m = Manifests.parse(helm.template("isthmus", "mon", List.of(), MONITORING, OPERATOR_APIS).orFail("helm template").output());
        List<String> queries = new ArrayList<>();
        m.one("PrometheusRule", "isthmus").at("/spec/groups/0/rules").forEach(r -> queries.add(r.path("expr").asText()));
        String json = m.one("ConfigMap", "isthmus-dashboard").at("/data/isthmus.json").asText();
        assertThat(json).as("the ConfigMap carries the dashboard file as it is").isEqualTo(
                Files.readString(Path.of("charts/isthmus/dashboards/isthmus.json")).stripTrailing());
        JsonNode dashboard = new ObjectMapper().readTree(json);
        assertThat(dashboard.path("uid").asText()).isEqualTo("isthmus-gateway");
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> queries.add(t.path("expr").asText())));
        dashboard.at("/templating/list").forEach(v -> {
            if (v.path("type").asText().equals("query")) {
                queries.add(v.path("definition").asText());
            }
        });
        Set<String> used = new TreeSet<>();
        queries.forEach(q -> used.addAll(PromQl.metricNames(q)));
        assertThat(used).hasSizeGreaterThanOrEqualTo(12);

        try (EchoServer upstream = EchoServer.start("mon");
                GatewayProcess gateway = GatewayProcess.start(Map.of(), """
                        routes:
                          - name: echo
                            match: {path: {prefix: /echo/}}
                            circuitBreaker: {failureRateThreshold: 50, minimumCalls: 20}
                            backends: [{url: "%s"}]
                          - name: limited
                            match: {path: {prefix: /limited/}}
                            rateLimit: {requestsPerSecond: 1, burst: 1}
                            backends: [{url: "%s"}]
                          - name: moved
                            match: {path: {exact: /old}}
                            redirect: {path: /new, code: 301}
                        """.formatted(upstream.url(), upstream.url()))) {
            HttpClient http = HttpClient.newHttpClient();
            for (String path : List.of("/echo/a", "/echo/b", "/limited/1", "/limited/2", "/old", "/nowhere")) {
                http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).build(), HttpResponse.BodyHandlers.discarding());
            }
            String scrape = http.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + "/actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Set<String> exported = new TreeSet<>();
            scrape.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).forEach(l -> exported.add(l.split("[{ ]", 2)[0]));

            assertThat(exported).as("metrics the dashboard and the alerts read, all exported").containsAll(used);
            assertThat(scrape).contains("isthmus_requests_total{code=\"4xx\",reason=\"no_route\",route=\"none\"}",
                    "isthmus_requests_total{code=\"4xx\",reason=\"rate_limited\",route=\"file/limited\"}",
                    "isthmus_requests_total{code=\"3xx\",reason=\"redirect\",route=\"file/moved\"}",
                    "isthmus_requests_total{code=\"2xx\",reason=\"proxied\",route=\"file/echo\"} 2.0",
                    "upstream=\"" + upstream.url() + "\"", "isthmus_routes{owner=\"operator\",source=\"file\",state=\"served\"} 3.0")
                    .doesNotContain("spring_cloud_gateway_routes_count", "routeUri=\"isthmus://upstream\"");
        }
    }
}
