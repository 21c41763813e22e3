package dev.isthmus.discovery.consul;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.BackendTarget.Registry;
import dev.isthmus.discovery.Instance;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;

import static dev.isthmus.discovery.consul.ConsulTestSupport.millisSince;
import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Consul as a service registry, against a real agent: routes from the routes file with
 * {@code consul:} backends, instances registered, checked and deregistered through the agent API,
 * and requests through the real gateway to real upstream servers.
 */
class ConsulDiscoveryIT {

    static ConsulServer consul;
    static ConsulAgentApi agent;
    static EchoServer a;
    static EchoServer b;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        consul = ConsulServer.start();
        agent = new ConsulAgentApi(consul);
        a = EchoServer.start("a");
        b = EchoServer.start("b");
        StringBuilder routes = new StringBuilder("routes:\n");
        for (String service : List.of("web", "gone", "ttl", "warn", "nodeaddr", "weighted", "meta")) {
            routes.append("""
                      - name: %1$s
                        match: {path: {prefix: /%1$s/}}
                        rewrite: {prefix: /}
                        backends: [{service: "consul:%1$s"}]
                    """.formatted(service));
        }
        routes.append("""
                  - name: bare
                    match: {path: {prefix: /bare/}}
                    backends: [{service: "bare"}]
                  - name: explicit-dc
                    match: {path: {prefix: /explicit/}}
                    backends: [{service: "consul:dc1/explicit"}]
                """);
        // a short wait, so that idle blocking queries time out (and must not spin) during the test
        gateway = GatewayApp.start(routes.toString(), ConsulTestSupport.gatewayProperties(consul, "isthmus.consul.wait", "2s"));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (consul != null) {
            consul.close();
        }
    }

    @BeforeEach
    void reset() {
        a.reset();
        b.reset();
    }

    private static HttpResponse<String> get(String path) {
        return gateway.send(gateway.request(path).timeout(Duration.ofSeconds(5)).build());
    }

    /** Sends requests until {@code condition} holds for one, returning the milliseconds it took from {@code t0}. */
    private static long untilResponse(String path, long t0, java.util.function.Predicate<HttpResponse<String>> condition) {
        while (millisSince(t0) < 5_000) {
            if (condition.test(get(path))) {
                return millisSince(t0);
            }
        }
        throw new AssertionError(path + ": condition not met within 5 s");
    }

    /**
     * After a change at {@code t0} that must stop traffic to {@code server}: sends requests until
     * none has reached it for 300 ms, and returns when the last one that did was sent.
     */
    private static long lastResponseFrom(String path, String server, long t0) {
        long last = 0;
        long lastAt = System.nanoTime();
        while (millisSince(lastAt) < 300) {
            long sent = millisSince(t0);
            if (server.equals(upstream(get(path)))) {
                last = sent;
                lastAt = System.nanoTime();
            }
            if (millisSince(t0) > 5_000) {
                throw new AssertionError(path + ": " + server + " still receives traffic 5 s after the change");
            }
        }
        return last;
    }

    @Test
    void aRegisteredInstanceIsRoutableWithinASecond() {
        long t0 = System.nanoTime();
        consul.register("web-1", "web", "127.0.0.1", a.port(), List.of(), Map.of(), null);
        long ms = untilResponse("/web/items?q=1", t0, r -> r.statusCode() == 200);

        System.out.printf("register -> routable: %d ms%n", ms);
        assertThat(ms).isLessThan(1000);
        assertThat(a.last().uri()).isEqualTo("/items?q=1");
    }

    @Test
    void aDeregisteredInstanceGetsNoTrafficWithinASecond() {
        consul.register("gone-1", "gone", "127.0.0.1", a.port(), List.of(), Map.of(), null);
        consul.register("gone-2", "gone", "127.0.0.1", b.port(), List.of(), Map.of(), null);
        untilResponse("/gone/", System.nanoTime(), r -> upstream(r).equals("a"));
        untilResponse("/gone/", System.nanoTime(), r -> upstream(r).equals("b"));

        long t0 = System.nanoTime();
        consul.deregister("gone-1");
        long last = lastResponseFrom("/gone/", "a", t0);

        System.out.printf("deregister -> last request to the instance: %d ms%n", last);
        assertThat(last).isLessThan(1000);
        for (int i = 0; i < 20; i++) {
            assertThat(upstream(get("/gone/"))).isEqualTo("b");
        }
    }

    @Test
    void aCriticalCheckTakesTheInstanceOutWithinASecondAndPassingBringsItBack() {
        consul.register("ttl-1", "ttl", "127.0.0.1", a.port(), List.of(), Map.of(), "30s");
        consul.register("ttl-2", "ttl", "127.0.0.1", b.port(), List.of(), Map.of(), "30s");
        untilResponse("/ttl/", System.nanoTime(), r -> upstream(r).equals("a"));

        long t0 = System.nanoTime();
        consul.checkFail("ttl-1");
        long last = lastResponseFrom("/ttl/", "a", t0);
        System.out.printf("check critical -> last request to the instance: %d ms%n", last);
        assertThat(last).isLessThan(1000);
        for (int i = 0; i < 20; i++) {
            assertThat(upstream(get("/ttl/"))).isEqualTo("b");
        }

        long t1 = System.nanoTime();
        consul.checkPass("ttl-1");
        assertThat(untilResponse("/ttl/", t1, r -> upstream(r).equals("a"))).isLessThan(1000);
    }

    @Test
    void aWarningInstanceIsNotRoutableByDefault() {
        consul.register("warn-1", "warn", "127.0.0.1", a.port(), List.of(), Map.of(), "30s");
        untilResponse("/warn/", System.nanoTime(), r -> r.statusCode() == 200);

        consul.checkWarn("warn-1");
        untilResponse("/warn/", System.nanoTime(), r -> r.statusCode() == 503);
        assertThat(gateway.bean(ConsulServiceRegistry.class).knows(consulService(null, "warn"))).isTrue();
    }

    @Test
    void withoutAServiceAddressTheNodeAddressIsUsed() {
        // the agent's node address is 127.0.0.1 (-advertise)
        agent.register("nodeaddr-1", "nodeaddr", "", a.port(), List.of(), null);
        untilResponse("/nodeaddr/", System.nanoTime(), r -> upstream(r).equals("a"));
        Instance i = gateway.bean(ConsulServiceRegistry.class).instances(consulService(null, "nodeaddr")).get(0);
        assertThat(i.host()).isEqualTo("127.0.0.1");
    }

    @Test
    void passingWeightsDriveTheBalancing() {
        agent.register("weighted-1", "weighted", "127.0.0.1", a.port(), List.of(), Map.of("Weights", Map.of("Passing", 3, "Warning", 1)));
        agent.register("weighted-2", "weighted", "127.0.0.1", b.port(), List.of(), Map.of("Weights", Map.of("Passing", 1, "Warning", 1)));
        assertThat(Await.until(Duration.ofSeconds(5),
                () -> gateway.bean(ConsulServiceRegistry.class).instances(consulService(null, "weighted")).size() == 2)).isTrue();

        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            counts.merge(upstream(get("/weighted/")), 1, Integer::sum);
        }
        assertThat(counts.get("a")).isBetween(145, 155);
        assertThat(counts.get("b")).isBetween(45, 55);
    }

    @Test
    void tagsAndMetaBecomeInstanceMetadata() {
        consul.register("meta-1", "meta", "127.0.0.1", a.port(), List.of("v2", "team=shop"), Map.of("zone", "rack-3", "version", "2.1"), null);
        assertThat(Await.until(Duration.ofSeconds(5),
                () -> !gateway.bean(ConsulServiceRegistry.class).instances(consulService("dc1", "meta")).isEmpty())).isTrue();

        Instance i = gateway.bean(ConsulServiceRegistry.class).instances(consulService("dc1", "meta")).get(0);
        assertThat(i.id()).isEqualTo("isthmus-test/meta-1");
        assertThat(i.registry()).isEqualTo(Registry.CONSUL);
        assertThat(i.zone()).isEqualTo("rack-3");
        assertThat(i.metadata()).containsEntry("v2", "").containsEntry("team", "shop").containsEntry("version", "2.1");
    }

    @Test
    void unqualifiedNamesResolveInConsulAndQualifiedDatacentersToo() {
        consul.register("bare-1", "bare", "127.0.0.1", a.port(), List.of(), Map.of(), null);
        consul.register("explicit-1", "explicit", "127.0.0.1", b.port(), List.of(), Map.of(), null);
        untilResponse("/bare/", System.nanoTime(), r -> upstream(r).equals("a"));
        untilResponse("/explicit/", System.nanoTime(), r -> upstream(r).equals("b"));
    }

    @Test
    void knowsEveryCatalogServiceButWatchesOnlyThoseRoutesNeed() {
        consul.register("unrouted-1", "unrouted", "127.0.0.1", a.port(), List.of(), Map.of(), null);
        ConsulServiceRegistry registry = gateway.bean(ConsulServiceRegistry.class);
        assertThat(Await.until(Duration.ofSeconds(5), () -> registry.knows(consulService(null, "unrouted")))).isTrue();

        assertThat(registry.knows(consulService(null, "no-such-service"))).isFalse();
        assertThat(registry.view().datacenter(null).services()).doesNotContainKey("unrouted");
        assertThat(registry.snapshot()).containsKey("consul:dc1/unrouted");
    }

    @Test
    void idleBlockingQueriesWaitInsteadOfSpinning() throws InterruptedException {
        // wait is 2 s: over 6 idle seconds each query answers about 3 times (unchanged), not thousands
        Thread.sleep(500);
        int watches = watches();
        double before = queries();
        Thread.sleep(6_000);
        double answered = queries() - before;
        System.out.printf("%d blocking queries answered %.0f times in 6 s idle%n", watches, answered);
        assertThat(answered).isGreaterThan(0).isLessThanOrEqualTo(watches * 5.0);
    }

    private static int watches() {
        return (int) ConsulTestSupport.gauge(gateway, "isthmus.consul.watches", "datacenter", "dc1");
    }

    private static double queries() {
        return ConsulTestSupport.counter(gateway, "isthmus.consul.queries", "datacenter", "dc1");
    }

    static BackendTarget.Service consulService(String dc, String name) {
        return new BackendTarget.Service(Registry.CONSUL, null, dc, name, null);
    }
}
