package dev.isthmus.discovery.consul;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.isthmus.model.SyncStatus;
import dev.isthmus.model.SyncStatus.State;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulKvReader;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;

import static dev.isthmus.discovery.consul.ConsulTestSupport.sourceStatus;
import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ACL-protected agent (default policy deny): a valid token works, a least-privilege one too;
 * no token, a bad token or a revoked one is reported as an ACL error, never as "no services", and
 * the token never shows in logs.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConsulAclIT {

    static final String ROOT = "root-token-0a1b2c";
    static final String ROUTES = """
            routes:
              - name: fixed
                match: {path: {prefix: /fixed/}}
                backends: [{url: "%s"}]
              - name: web
                match: {path: {prefix: /web/}}
                backends: [{service: "consul:web"}]
            """;
    static ConsulServer consul;
    static ConsulAgentApi agent;

    @BeforeAll
    static void start() {
        consul = ConsulServer.start(false, ROOT);
        agent = new ConsulAgentApi(consul);
    }

    @AfterAll
    static void stop() {
        if (consul != null) {
            consul.close();
        }
    }

    /**
     * A gateway with this token (null: none), and the service "web" on {@code a}. Each test has its
     * own upstream: closing a gateway disposes Reactor Netty's global resources, and with them any
     * server started on them before.
     */
    private static GatewayApp gateway(EchoServer a, String token, String... extra) {
        consul.register("web-1", "web", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/tagged/"), Map.of(), null);
        Map<String, String> p = new java.util.LinkedHashMap<>(ConsulTestSupport.gatewayProperties(consul, extra));
        if (token != null) {
            p.put("spring.cloud.consul.token", token);
        }
        return GatewayApp.start(ROUTES.formatted(a.url()), p);
    }

    private static JsonNode health(GatewayApp gateway) throws Exception {
        return new ObjectMapper().readTree(gateway.admin("/actuator/health/consulDiscovery").body());
    }

    private static SyncStatus awaitError(GatewayApp gateway) {
        assertThat(Await.until(Duration.ofSeconds(10), () -> sourceStatus(gateway).lastError() != null)).isTrue();
        return sourceStatus(gateway);
    }

    @Test
    void theManagementTokenWorks(CapturedOutput output) {
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, ROOT)) {
            assertThat(Await.until(Duration.ofSeconds(10), () -> upstream(gateway.get("/web/")).equals("a"))).isTrue();
            assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(gateway.get("/tagged/")).equals("a"))).isTrue();
            assertThat(sourceStatus(gateway).state()).isEqualTo(State.SYNCED);
        }
        assertThat(output.getAll()).doesNotContain(ROOT);
    }

    @Test
    void springCloudConsulsDiscoveryAclTokenIsTheFallback() {
        try (EchoServer a = EchoServer.start("a");
                GatewayApp gateway = gateway(a, null, "spring.cloud.consul.discovery.acl-token", ROOT)) {
            assertThat(Await.until(Duration.ofSeconds(10), () -> upstream(gateway.get("/web/")).equals("a"))).isTrue();
            assertThat(sourceStatus(gateway).state()).isEqualTo(State.SYNCED);
        }
    }

    @Test
    void aLeastPrivilegeTokenWorks(CapturedOutput output) throws Exception {
        // no agent:read: the agent's datacenter comes from /v1/catalog/datacenters instead of /v1/agent/self
        ConsulAgentApi.Token token = agent.createToken("service_prefix \"\" { policy = \"read\" }\nnode_prefix \"\" { policy = \"read\" }");
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, token.secret())) {
            assertThat(Await.until(Duration.ofSeconds(10), () -> upstream(gateway.get("/web/")).equals("a"))).isTrue();
            assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(gateway.get("/tagged/")).equals("a"))).isTrue();
            assertThat(ConsulTestSupport.watcher(gateway).view().defaultDatacenter()).isEqualTo("dc1");
            assertThat(health(gateway).get("status").asText()).isEqualTo("UP");
        }
        assertThat(output.getAll()).doesNotContain(token.secret());
    }

    /** The policy docs/consul.md and the chart document: the read policy plus key write on the verdict prefix only. */
    static final String DOCUMENTED_POLICY = """
            service_prefix "" { policy = "read" }
            node_prefix ""    { policy = "read" }
            key_prefix "isthmus/status/" { policy = "write" }
            """;

    @Test
    void aTokenWithTheDocumentedPolicyWritesVerdictsAndNothingElse(CapturedOutput output) throws Exception {
        ConsulAgentApi.Token token = agent.createToken(DOCUMENTED_POLICY);
        ConsulKvReader asRoot = new ConsulKvReader(consul, ROOT);
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, token.secret())) {
            assertThat(Await.until(Duration.ofSeconds(10), () -> upstream(gateway.get("/tagged/")).equals("a"))).isTrue();
            assertThat(Await.until(Duration.ofSeconds(10), () -> asRoot.httpJson("isthmus/status/dc1/web") != null)).isTrue();
            assertThat(asRoot.httpJson("isthmus/status/dc1/web").get("accepted").asBoolean()).isTrue();
            // what the VM owner runs, with the same token
            JsonNode read = new ConsulKvReader(consul, token.secret()).cliJson("isthmus/status/dc1/web");
            assertThat(read.at("/routes/0/id").asText()).isEqualTo("consul/dc1/web");
            // the policy grants that prefix only
            assertThat(new ConsulKvReader(consul, token.secret()).cli("other/key").err()).contains("403");
            assertThat(output.getAll()).doesNotContain("Cannot write route verdicts");
        }
        assertThat(output.getAll()).doesNotContain(token.secret());
    }

    @Test
    void aTokenWithoutKeyWriteLogsOnceWhatItLacksAndRoutesAnyway(CapturedOutput output) {
        ConsulAgentApi.Token token = agent.createToken("service_prefix \"\" { policy = \"read\" }\nnode_prefix \"\" { policy = \"read\" }");
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, token.secret(), "isthmus.consul.max-backoff", "200ms")) {
            assertThat(Await.until(Duration.ofSeconds(10), () -> upstream(gateway.get("/tagged/")).equals("a"))).isTrue();
            assertThat(Await.until(Duration.ofSeconds(5), () -> output.getAll().contains("Cannot write route verdicts"))).isTrue();
            assertThat(Await.until(Duration.ofSeconds(1), () -> false)).isFalse(); // retries meanwhile, quietly
            String all = output.getAll();
            assertThat(all.split("Cannot write route verdicts", -1)).hasSize(2);
            assertThat(all).contains("ACL: ").contains("key_prefix \"isthmus/status/\" { policy = \"write\" }");
            assertThat(upstream(gateway.get("/tagged/"))).isEqualTo("a");
        }
    }

    @Test
    void withoutATokenTheAnonymousDenialIsReportedAsAnAclError() throws Exception {
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, null)) {
            SyncStatus status = awaitError(gateway);
            assertThat(status.state()).isEqualTo(State.STARTING);
            assertThat(status.lastError()).startsWith("dc1: ACL: ").contains("no ACL token is configured")
                    .contains("default ACL policy is deny");

            JsonNode health = health(gateway);
            assertThat(health.get("status").asText()).isEqualTo("DOWN");
            assertThat(health.at("/details/dc1/errorKind").asText()).isEqualTo("acl");
            assertThat(ConsulTestSupport.counter(gateway, "isthmus.consul.sync.errors", "kind", "acl")).isPositive();

            // the gateway itself works; only what needs Consul is unavailable
            assertThat(upstream(gateway.get("/fixed/"))).isEqualTo("a");
            assertThat(gateway.get("/web/").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void anUnknownTokenIsReportedAsAnAclError(CapturedOutput output) throws Exception {
        String bogus = "00000000-dead-beef-0000-000000000000";
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, bogus)) {
            SyncStatus status = awaitError(gateway);
            assertThat(status.state()).isEqualTo(State.STARTING);
            assertThat(status.lastError()).contains("ACL: ").contains("ACL not found").contains("token is unknown to Consul");
            assertThat(health(gateway).at("/details/errorKind").asText()).isEqualTo("acl");
            assertThat(gateway.get("/web/").statusCode()).isEqualTo(503);
        }
        assertThat(output.getAll()).contains("ACL not found").doesNotContain(bogus);
    }

    @Test
    void aTokenRevokedAfterSyncDegradesButKeepsTheLastKnownInstances() throws Exception {
        ConsulAgentApi.Token token = agent.createToken("service_prefix \"\" { policy = \"read\" }\nnode_prefix \"\" { policy = \"read\" }");
        // a short wait, so that pending blocking queries come back and meet the revocation soon
        try (EchoServer a = EchoServer.start("a"); GatewayApp gateway = gateway(a, token.secret(), "isthmus.consul.wait", "1s")) {
            assertThat(Await.until(Duration.ofSeconds(10), () -> upstream(gateway.get("/web/")).equals("a"))).isTrue();

            agent.deleteToken(token);
            assertThat(Await.until(Duration.ofSeconds(10), () -> sourceStatus(gateway).state() == State.DEGRADED)).isTrue();
            assertThat(sourceStatus(gateway).lastError()).contains("ACL").contains("ACL not found");
            assertThat(health(gateway).get("status").asText()).isEqualTo("DEGRADED");
            assertThat(health(gateway).at("/details/dc1/errorKind").asText()).isEqualTo("acl");
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = gateway.get("/web/");
                assertThat(upstream(r)).isEqualTo("a");
                assertThat(upstream(gateway.get("/tagged/"))).isEqualTo("a");
            }
        }
    }
}
