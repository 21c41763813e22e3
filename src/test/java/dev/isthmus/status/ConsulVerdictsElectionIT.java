package dev.isthmus.status;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.platform.kubernetes.ReplicaIdentity;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulKvReader;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;

import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two gateways with the Kubernetes integration (one status writer elected on a real Lease) and a
 * real Consul agent: only the elected one writes verdicts to Consul KV; when it shuts down the
 * other takes over, rewrites nothing that is unchanged, and writes the next change. Both route.
 */
class ConsulVerdictsElectionIT {

    static final String NS = "consul-verdicts-it";
    static final String KEY = "isthmus/status/dc1/payments";
    static KubeApiServer api;
    static ConsulServer consul;
    static ConsulKvReader kv;
    static EchoServer upstream;

    @BeforeAll
    static void start() {
        api = KubeApiServer.shared();
        KubeFixtures.installCrd(api.client());
        KubeFixtures.createNamespace(api.client(), NS);
        consul = ConsulServer.start();
        kv = new ConsulKvReader(consul, null);
        upstream = EchoServer.start("up");
    }

    @AfterAll
    static void stop() {
        if (upstream != null) {
            upstream.close();
        }
        if (consul != null) {
            consul.close();
        }
    }

    static GatewayApp gateway() {
        Map<String, String> p = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        p.put("isthmus.kubernetes.namespaces", NS);
        p.put("isthmus.kubernetes.lease-name", "consul-verdicts");
        p.put("isthmus.kubernetes.lease-duration", "3s");
        p.putAll(ConsulTestSupport.gatewayProperties(consul));
        return GatewayApp.start(null, p);
    }

    static ConsulVerdictWriter writer(GatewayApp g) {
        return g.bean(ConsulVerdictWriter.class);
    }

    static String identity(GatewayApp g) {
        return g.bean(ReplicaIdentity.class).value();
    }

    @Test
    void onlyTheElectedGatewayWritesAndTheOtherTakesOverWithoutRewriting() {
        try (GatewayApp a = gateway(); GatewayApp b = gateway()) {
            assertThat(Await.until(Duration.ofSeconds(30), () -> writer(a).isLeader() || writer(b).isLeader())).isTrue();
            GatewayApp leader = writer(a).isLeader() ? a : b;
            GatewayApp follower = leader == a ? b : a;
            assertThat(writer(follower).isLeader()).isFalse();

            consul.register("payments-1", "payments", "127.0.0.1", upstream.port(), List.of("isthmus.enable=true", "isthmus.path=/payments/"),
                    Map.of(), null);
            assertThat(Await.until(Duration.ofSeconds(10), () -> kv.httpJson(KEY) != null)).isTrue();
            assertThat(Await.until(Duration.ofSeconds(5), () -> upstream(follower.get("/payments/")).equals("up"))).as("the follower routes").isTrue();
            assertThat(upstream(leader.get("/payments/"))).isEqualTo("up");
            JsonNode first = kv.cliJson(KEY);
            assertThat(first.get("accepted").asBoolean()).isTrue();
            assertThat(first.get("gateway").asText()).isEqualTo(identity(leader));
            assertThat(writer(leader).writes()).isPositive();
            assertThat(writer(follower).writes() + writer(follower).deletes()).as("only the elected gateway writes").isZero();
            long index = kv.modifyIndex(KEY);

            // the leader shuts down and releases the Lease: the follower becomes the writer
            String leaderIdentity = identity(leader);
            leader.close();
            assertThat(Await.until(Duration.ofSeconds(20), () -> writer(follower).isLeader())).isTrue();
            // it reads what is stored: the same verdict, no rewrite
            assertThat(Await.until(Duration.ofSeconds(1), () -> writer(follower).writes() > 0)).isFalse();
            assertThat(kv.modifyIndex(KEY)).isEqualTo(index);
            assertThat(kv.cliJson(KEY).get("gateway").asText()).isEqualTo(leaderIdentity);

            // the next change is the new writer's
            consul.register("payments-1", "payments", "127.0.0.1", upstream.port(), List.of("isthmus.enable=true", "isthmus.path=/payments/",
                    "isthmus.retries=99"), Map.of(), null);
            assertThat(Await.until(Duration.ofSeconds(10), () -> !kv.httpJson(KEY).get("accepted").asBoolean())).isTrue();
            JsonNode rejected = kv.cliJson(KEY);
            assertThat(rejected.get("gateway").asText()).isEqualTo(identity(follower));
            assertThat(rejected.at("/routes/0/reasons/0/reason").asText()).isEqualTo("InvalidTag");
            assertThat(rejected.at("/routes/0/reasons/0/message").asText()).contains("isthmus.retries=99");
            consul.deregister("payments-1");
            assertThat(Await.until(Duration.ofSeconds(10), () -> kv.httpJson(KEY) == null)).isTrue();
        }
    }
}
