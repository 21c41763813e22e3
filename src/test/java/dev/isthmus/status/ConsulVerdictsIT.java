package dev.isthmus.status;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.platform.consul.Backoff;
import dev.isthmus.platform.consul.ConsulHttpClient;
import dev.isthmus.platform.consul.ConsulKv;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulKvReader;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.TcpProxy;

import static dev.isthmus.discovery.consul.ConsulTestSupport.millisSince;
import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Verdicts on tag routes written back to a real Consul agent's KV store, read the way a VM owner
 * reads them (the real {@code consul kv get}, and the HTTP API): accepted and rejected services,
 * a fixed tag flipping the verdict, deregistration deleting the key, no writes in a steady state,
 * only the elected writer writing, and an unreachable agent retried without blocking anything.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConsulVerdictsIT {

    static final String PREFIX = "isthmus/status/dc1/";
    static ConsulServer consul;
    static ConsulKvReader kv;
    static EchoServer a;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        ConsulKvReader.cli(); // the command line is part of what is tested
        consul = ConsulServer.start();
        kv = new ConsulKvReader(consul, null);
        a = EchoServer.start("a");
        gateway = GatewayApp.start(null, ConsulTestSupport.gatewayProperties(consul));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (a != null) {
            a.close();
        }
        if (consul != null) {
            consul.close();
        }
    }

    static JsonNode awaitVerdict(String service, java.util.function.Predicate<JsonNode> condition) {
        assertThat(Await.until(Duration.ofSeconds(10), () -> {
            JsonNode v = kv.httpJson(PREFIX + service);
            return v != null && condition.test(v);
        })).as("verdict of %s: %s", service, kv.httpJson(PREFIX + service)).isTrue();
        return kv.httpJson(PREFIX + service);
    }

    static ConsulVerdictWriter writer() {
        return gateway.bean(ConsulVerdictWriter.class);
    }

    static RouteTable table() {
        return gateway.bean(RouteTableHolder.class).get();
    }

    @Test
    void aVmOwnerReadsTheVerdictWithConsulKvGetAndItFollowsTheTags() {
        long t0 = System.nanoTime();
        consul.register("orders-1", "orders", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/orders/"), Map.of(), null);
        consul.register("billing-1", "billing", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/billing/",
                "isthmus.timeout=soon"), Map.of(), null);
        awaitVerdict("orders", v -> true);
        awaitVerdict("billing", v -> true);
        System.out.printf("consul verdicts: register -> both keys in KV: %d ms%n", millisSince(t0));

        // the real command line, as the VM owner runs it
        JsonNode orders = kv.cliJson(PREFIX + "orders");
        assertThat(orders.get("accepted").asBoolean()).isTrue();
        assertThat(orders.get("service").asText()).isEqualTo("orders");
        assertThat(orders.get("datacenter").asText()).isEqualTo("dc1");
        assertThat(orders.get("generation").asLong()).isPositive();
        assertThat(orders.get("gateway").asText()).isNotBlank();
        assertThat(Instant.parse(orders.get("updatedAt").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(orders.at("/routes/0/id").asText()).isEqualTo("consul/dc1/orders");
        assertThat(orders.at("/routes/0/accepted").asBoolean()).isTrue();
        assertThat(orders.at("/routes/0/reasons")).isEmpty();

        JsonNode billing = kv.cliJson(PREFIX + "billing");
        assertThat(billing.get("accepted").asBoolean()).isFalse();
        assertThat(billing.at("/routes/0/id").asText()).isEqualTo("consul/dc1/billing");
        assertThat(billing.at("/routes/0/reasons/0/reason").asText()).isEqualTo("InvalidTag");
        assertThat(billing.at("/routes/0/reasons/0/message").asText()).contains("isthmus.timeout=soon");
        // the same document through the HTTP API
        assertThat(kv.httpJson(PREFIX + "billing")).isEqualTo(billing);
        // the whole datacenter at once
        ConsulKvReader.CliResult all = kv.cli("-recurse", "isthmus/status/dc1/");
        assertThat(all.exit()).isZero();
        assertThat(all.out()).contains(PREFIX + "orders:").contains(PREFIX + "billing:");

        // the owner fixes the tag: the verdict flips, and the route serves
        long fix = System.nanoTime();
        long generationBefore = billing.get("generation").asLong();
        consul.register("billing-1", "billing", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/billing/",
                "isthmus.timeout=2s"), Map.of(), null);
        JsonNode fixed = awaitVerdict("billing", v -> v.get("accepted").asBoolean());
        System.out.printf("consul verdicts: tag fixed -> verdict accepted in KV: %d ms%n", millisSince(fix));
        assertThat(fixed.get("generation").asLong()).isGreaterThan(generationBefore);
        assertThat(fixed.at("/routes/0/reasons")).isEmpty();
        assertThat(kv.cliJson(PREFIX + "billing").get("accepted").asBoolean()).isTrue();
        assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(gateway.get("/billing/x")).equals("a"))).isTrue();

        // deregistered: the key goes
        long gone = System.nanoTime();
        consul.deregister("billing-1");
        assertThat(Await.until(Duration.ofSeconds(10), () -> kv.httpJson(PREFIX + "billing") == null)).isTrue();
        System.out.printf("consul verdicts: deregistered -> key deleted: %d ms%n", millisSince(gone));
        assertThat(kv.cliJson(PREFIX + "billing")).isNull();
        assertThat(kv.httpJson(PREFIX + "orders")).isNotNull();
        assertThat(upstream(gateway.get("/orders/x"))).isEqualTo("a");
    }

    @Test
    void aSteadyStateWritesNothing() {
        consul.register("stock-1", "stock", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/stock/"), Map.of(), "30s");
        awaitVerdict("stock", v -> v.get("accepted").asBoolean());
        assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(gateway.get("/stock/")).equals("a"))).isTrue();
        long index = kv.modifyIndex(PREFIX + "stock");
        long writes = writer().writes();
        long version = table().version();

        // new routing tables (a routes file edit), and the instance's health flipping: the verdict is the same
        gateway.writeRoutes("routes:\n  - name: other\n    match: {path: {prefix: /other/}}\n    backends: [{url: \"" + a.url() + "\"}]\n");
        consul.checkFail("stock-1");
        assertThat(Await.until(Duration.ofSeconds(5), () -> gateway.get("/stock/").statusCode() == 503)).isTrue();
        consul.checkPass("stock-1");
        assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(gateway.get("/stock/")).equals("a"))).isTrue();
        gateway.writeRoutes("routes: []\n");
        gateway.awaitIdle();
        assertThat(table().version()).isGreaterThan(version);
        assertThat(Await.until(Duration.ofSeconds(1), () -> writer().writes() != writes)).as("no write without a change").isFalse();
        assertThat(kv.modifyIndex(PREFIX + "stock")).isEqualTo(index);
        System.out.printf("consul verdicts: %d table(s) rebuilt, 0 KV writes%n", table().version() - version);
    }

    @Test
    void aReplicaThatIsNotTheElectedWriterWritesNothingAndTakesOverWithoutRewriting() {
        consul.register("ledger-1", "ledger", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/ledger/"), Map.of(), null);
        awaitVerdict("ledger", v -> v.get("accepted").asBoolean());
        long index = kv.modifyIndex(PREFIX + "ledger");
        try (ConsulHttpClient http = new ConsulHttpClient(consul.url(), null, null, false, Duration.ofSeconds(5));
                ConsulVerdictWriter second = new ConsulVerdictWriter(new ConsulKv(http), "isthmus/status", "replica-b", "consul",
                        new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)), () -> Set.of("dc1"))) {
            // a verdict key the previous writer left for a service that is gone meanwhile
            ConsulKv raw = new ConsulKv(http);
            raw.put(PREFIX + "ghost", "{\"service\":\"ghost\",\"datacenter\":\"dc1\",\"accepted\":true}".getBytes()).block();

            // not elected: every table passes by without a write or a delete
            second.tableSwapped(table(), null);
            assertThat(Await.until(Duration.ofMillis(700), () -> second.writes() + second.deletes() > 0)).isFalse();
            assertThat(kv.httpJson(PREFIX + "ghost")).isNotNull();

            // elected: it reads what is stored, deletes the stale key, rewrites nothing that is the same
            second.leadershipChanged(true);
            assertThat(Await.until(Duration.ofSeconds(5), () -> kv.httpJson(PREFIX + "ghost") == null)).isTrue();
            assertThat(second.deletes()).isEqualTo(1);
            assertThat(second.writes()).isZero();
            assertThat(kv.modifyIndex(PREFIX + "ledger")).isEqualTo(index);

            // no longer elected: quiet again
            second.leadershipChanged(false);
            raw.put(PREFIX + "ghost", "{}".getBytes()).block();
            second.tableSwapped(table(), null);
            assertThat(Await.until(Duration.ofMillis(700), () -> kv.httpJson(PREFIX + "ghost") == null)).isFalse();
            raw.delete(PREFIX + "ghost").block();
        }
    }

    @Test
    void anUnreachableAgentIsRetriedWithBackoffLoggedOnceAndBlocksNothing(CapturedOutput output) {
        consul.register("audit-1", "audit", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/audit/"), Map.of(), null);
        awaitVerdict("audit", v -> v.get("accepted").asBoolean());
        String logLine = "Cannot write route verdicts to Consul KV";
        int before = count(output.getAll(), logLine);
        try (TcpProxy proxy = new TcpProxy(consul.port());
                ConsulHttpClient http = new ConsulHttpClient("http://127.0.0.1:" + proxy.port(), null, null, false, Duration.ofSeconds(5));
                ConsulVerdictWriter writer = new ConsulVerdictWriter(new ConsulKv(http), "it-outage/status", "replica-c", "consul",
                        new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)), () -> Set.of("dc1"))) {
            proxy.outage();
            writer.leadershipChanged(true);
            long t0 = System.nanoTime();
            writer.tableSwapped(table(), null);
            long handedOver = millisSince(t0);
            assertThat(handedOver).as("the routing table's thread never waits for Consul").isLessThan(100);
            // several attempts at up to 200 ms apart, one warning
            assertThat(Await.until(Duration.ofMillis(1500), () -> false)).isFalse();
            assertThat(count(output.getAll(), logLine) - before).isEqualTo(1);
            assertThat(output.getAll()).contains("UNREACHABLE");
            assertThat(writer.writes()).isZero();
            assertThat(upstream(gateway.get("/audit/"))).isEqualTo("a");

            long back = System.nanoTime();
            proxy.restore();
            assertThat(Await.until(Duration.ofSeconds(5), () -> kv.httpJson("it-outage/status/dc1/audit") != null)).isTrue();
            System.out.printf("consul verdicts: agent back -> pending verdicts written: %d ms%n", millisSince(back));
            assertThat(kv.httpJson("it-outage/status/dc1/audit").get("gateway").asText()).isEqualTo("replica-c");
            assertThat(count(output.getAll(), logLine) - before).isEqualTo(1);
            assertThat(Await.until(Duration.ofSeconds(2), () -> output.getAll().contains("Writing route verdicts to Consul KV works again"))).isTrue();
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
