package dev.isthmus.admin;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.EchoServer.Reply;
import dev.isthmus.testsupport.GatewayApp;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin surface on the management port: routes, upstreams, sources, health groups, metrics; none of it on the gateway port. */
class AdminEndpointsIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static EchoServer upstream;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        upstream = EchoServer.start("up");
        gateway = GatewayApp.start("""
                routes:
                  - name: good
                    hosts: [shop.example.com]
                    match: {path: {prefix: /good}}
                    backends: [{url: "%s"}]
                  - name: broken
                    match: {path: {regex: "(?<=x)y"}}
                    backends: [{url: "%s"}]
                  - name: nowhere
                    match: {path: {prefix: /nowhere}}
                    backends: [{service: "k8s:shop/missing"}]
                """.formatted(upstream.url(), upstream.url()), java.util.Map.of("isthmus.upstream.consecutive-failures", "2"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    static JsonNode admin(String path) throws Exception {
        HttpResponse<String> r = gateway.admin(path);
        assertThat(r.statusCode()).as("%s: %s", path, r.body()).isIn(200, 503);
        return JSON.readTree(r.body());
    }

    @Test
    void routesShowsServedAndRejectedRoutesWithTheirReasons() throws Exception {
        JsonNode routes = admin("/actuator/routes");
        assertThat(routes.get("served").asInt()).isEqualTo(2);
        assertThat(routes.get("rejected").asInt()).isEqualTo(1);
        JsonNode good = find(routes, "file/good");
        assertThat(good.get("served").asBoolean()).isTrue();
        assertThat(good.get("source").asText()).isEqualTo("file");
        assertThat(good.get("object").asText()).startsWith("file:").endsWith("routes.yaml");
        assertThat(good.at("/route/hosts/0").asText()).isEqualTo("shop.example.com");
        assertThat(good.at("/route/path/prefix").asText()).isEqualTo("/good");
        JsonNode broken = find(routes, "file/broken");
        assertThat(broken.get("served").asBoolean()).isFalse();
        assertThat(broken.get("status").asText()).isEqualTo("InvalidPath");
        assertThat(broken.get("message").asText()).contains("RE2 syntax");

        JsonNode one = admin("/actuator/routes/file/good");
        assertThat(one.get("id").asText()).isEqualTo("file/good");
    }

    @Test
    void upstreamsShowsInstancesHealthAndEjections() throws Exception {
        upstream.behave(r -> Reply.status(503));
        for (int i = 0; i < 3; i++) {
            gateway.send(gateway.request("/good").header("Host", "shop.example.com").build());
        }
        upstream.behave(r -> Reply.ok());
        JsonNode upstreams = admin("/actuator/upstreams");
        JsonNode up = null;
        JsonNode missing = null;
        for (JsonNode u : upstreams.get("upstreams")) {
            if (u.get("backend").asText().equals(upstream.url())) {
                up = u;
            }
            if (u.get("backend").asText().equals("k8s:shop/missing")) {
                missing = u;
            }
        }
        assertThat(up).isNotNull();
        assertThat(up.at("/instances/0/timesEjected").asInt()).isEqualTo(1);
        assertThat(up.at("/routes/0").asText()).isEqualTo("file/good");
        assertThat(missing).isNotNull();
        assertThat(missing.get("instances")).isEmpty();
        assertThat(upstreams.get("policy").asText()).isEqualTo("prefer-kubernetes");
    }

    @Test
    void sourcesAndReadinessReportTheFileSource() throws Exception {
        JsonNode sources = admin("/actuator/sources");
        assertThat(sources.get("allSynced").asBoolean()).isTrue();
        assertThat(sources.at("/sources/0/status/id").asText()).isEqualTo("file");
        assertThat(sources.at("/sources/0/status/state").asText()).isEqualTo("SYNCED");
        assertThat(sources.at("/sources/0/routes").asInt()).isEqualTo(2);
        assertThat(sources.at("/sources/0/rejected").asInt()).isEqualTo(1);

        JsonNode readiness = admin("/actuator/health/readiness");
        assertThat(readiness.get("status").asText()).isEqualTo("UP");
        assertThat(readiness.at("/components/routing/details/file/state").asText()).isEqualTo("SYNCED");
        assertThat(admin("/actuator/health/liveness").get("status").asText()).isEqualTo("UP");
    }

    @Test
    void prometheusHasRouteTableSourceAndPerRouteMetrics() throws Exception {
        gateway.send(gateway.request("/good").header("Host", "shop.example.com").build());
        String metrics = gateway.admin("/actuator/prometheus").body();
        assertThat(metrics).contains("isthmus_routes{owner=\"operator\",source=\"file\",state=\"served\"} 2.0")
                .contains("isthmus_routes{owner=\"operator\",source=\"file\",state=\"rejected\"} 1.0")
                .contains("isthmus_source_synced{source=\"file\"} 1.0").contains("isthmus_config_propagation_seconds_count{source=\"file\"}")
                .contains("spring_cloud_gateway_requests_seconds_count{").contains("routeId=\"file/good\"");
        assertThat(metrics).doesNotContain("=\"/good\""); // no raw paths as tag values (route ids such as file/good are fine)
    }

    @Test
    void theGatewayEndpointIsReadOnly() {
        String scg = gateway.admin("/actuator/gateway/routes").body();
        assertThat(scg).contains("file/good");
        // Isthmus' filters and the route's match print what they do, not $$Lambda/0x...
        assertThat(scg).contains("Match[hosts=[shop.example.com], path=prefix /good]").contains("[WebsocketGuard upgrades = 'refused']")
                .contains("PreserveHostHeader").doesNotContain("$$Lambda");
        HttpResponse<String> refresh = gateway.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + "/actuator/gateway/refresh"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(refresh.statusCode()).isIn(404, 405);
        HttpResponse<String> delete = gateway.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + "/actuator/gateway/routes/file/good"))
                .DELETE().build());
        assertThat(delete.statusCode()).isIn(404, 405);
        assertThat(gateway.admin("/actuator/routes").body()).contains("file/good");
    }

    @Test
    void nothingOfTheManagementPortIsServedOnTheGatewayPort() {
        for (String path : new String[] { "/actuator", "/actuator/health", "/actuator/routes", "/actuator/prometheus", "/",
                "/actuator/gateway/routes" }) {
            HttpResponse<String> r = gateway.send(gateway.request(path).header("Host", "shop.example.com").build());
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).doesNotContain("\"status\":\"UP\"").doesNotContain("isthmus_routes");
        }
        // even a Host that names the management port selects nothing there
        HttpResponse<String> spoofed = gateway.send(gateway.request("/actuator/health").header("Host", "127.0.0.1:" + gateway.managementUrl()
                .substring(gateway.managementUrl().lastIndexOf(':') + 1)).build());
        assertThat(spoofed.statusCode()).isEqualTo(404);
        assertThat(upstream.received()).noneMatch(r -> r.uri().startsWith("/actuator"));
    }

    @Test
    void envAndConfigpropsAreNotExposed() {
        assertThat(gateway.admin("/actuator/env").statusCode()).isEqualTo(404);
        assertThat(gateway.admin("/actuator/configprops").statusCode()).isEqualTo(404);
    }

    static JsonNode find(JsonNode routes, String id) {
        for (JsonNode r : routes.get("routes")) {
            if (id.equals(r.path("id").asText())) {
                return r;
            }
        }
        throw new AssertionError("no route " + id + " in " + routes);
    }

    static Duration timeout() {
        return Duration.ofSeconds(10);
    }
}
