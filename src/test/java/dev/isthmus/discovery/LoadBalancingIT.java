package dev.isthmus.discovery;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.EchoServer.Reply;
import dev.isthmus.testsupport.GatewayApp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Balancing over a real Consul service of real upstream instances: each policy's distribution,
 * consistent hashing's stickiness and minimal remapping on scale-out, passive ejection of a
 * killed instance with no failed idempotent request, and retries that go to another instance.
 */
class LoadBalancingIT {

    ConsulServer consul;
    List<EchoServer> instances = new ArrayList<>();
    GatewayApp gateway;

    @BeforeEach
    void start() {
        consul = ConsulServer.start();
        for (int i = 0; i < 3; i++) {
            addInstance("i" + i);
        }
    }

    EchoServer addInstance(String name) {
        EchoServer s = EchoServer.start(name);
        instances.add(s);
        consul.register("shop-" + name, "shop", "127.0.0.1", s.port(), List.of(), Map.of(), null);
        return s;
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        instances.forEach(EchoServer::close);
        consul.close();
    }

    void gateway(String routeExtras, String... props) {
        gateway = GatewayApp.start("""
                routes:
                  - name: shop
                    match: {path: {prefix: /shop}}
                    backends: [{service: "consul:shop"}]
                %s
                """.formatted(routeExtras.indent(4)), ConsulTestSupport.gatewayProperties(consul, props));
        assertThat(Await.until(Duration.ofSeconds(15), () -> spread(30, "/shop").size() == instances.size())).as("all instances routable").isTrue();
    }

    Map<String, Integer> spread(int requests, String path, String... headers) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            var req = gateway.request(path);
            for (int h = 0; h < headers.length; h += 2) {
                req.header(headers[h], headers[h + 1]);
            }
            counts.merge(ConsulTestSupport.upstream(gateway.send(req.build())), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void roundRobinIsExact() {
        gateway("loadBalancer: {policy: round-robin}");
        assertThat(spread(300, "/shop")).containsOnly(Map.entry("i0", 100), Map.entry("i1", 100), Map.entry("i2", 100));
    }

    @Test
    void randomIsEvenWithinTolerance() {
        gateway("loadBalancer: {policy: random}");
        assertThat(spread(600, "/shop").values()).allSatisfy(n -> assertThat(n).isBetween(140, 260));
    }

    @Test
    void leastRequestSendsLessToTheSlowInstance() throws Exception {
        instances.get(0).behave(r -> Reply.delayed(Duration.ofMillis(400)));
        gateway("loadBalancer: {policy: least-request}");
        instances.forEach(EchoServer::reset);
        instances.get(0).behave(r -> Reply.delayed(Duration.ofMillis(400)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<CompletableFuture<?>> calls = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            calls.add(CompletableFuture.runAsync(() -> gateway.get("/shop"), pool));
        }
        calls.forEach(CompletableFuture::join);
        pool.shutdown();
        int slow = instances.get(0).count();
        int fast = instances.get(1).count() + instances.get(2).count();
        assertThat(slow).as("slow instance share (%d slow vs %d fast)", slow, fast).isLessThan(240 / 6);
    }

    @Test
    void consistentHashIsStickyAndOnScaleOutOnlyKeysForTheNewInstanceMove() {
        gateway("loadBalancer: {policy: consistent-hash, hashOn: {header: X-User}}");
        Map<String, String> owner = new HashMap<>();
        for (int u = 0; u < 200; u++) {
            String user = "user-" + u;
            owner.put(user, ConsulTestSupport.upstream(gateway.send(gateway.request("/shop").header("X-User", user).build())));
        }
        for (int u = 0; u < 200; u += 10) {
            assertThat(ConsulTestSupport.upstream(gateway.send(gateway.request("/shop").header("X-User", "user-" + u).build())))
                    .isEqualTo(owner.get("user-" + u));
        }
        addInstance("i3");
        assertThat(Await.until(Duration.ofSeconds(5), () -> spread(40, "/shop").containsKey("i3"))).isTrue();
        int moved = 0;
        for (int u = 0; u < 200; u++) {
            String now = ConsulTestSupport.upstream(gateway.send(gateway.request("/shop").header("X-User", "user-" + u).build()));
            if (!now.equals(owner.get("user-" + u))) {
                moved++;
                assertThat(now).as("a key that moves moves to the new instance").isEqualTo("i3");
            }
        }
        assertThat(moved).as("about a quarter of the keys move").isBetween(25, 80);
    }

    @Test
    void consistentHashOnACookieSetsItWhenAbsent() {
        gateway("loadBalancer: {policy: consistent-hash, hashOn: {cookie: {name: sid, ttl: 1h}}}");
        HttpResponse<String> first = gateway.get("/shop");
        String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("sid=").contains("Max-Age=3600").containsIgnoringCase("HttpOnly");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        String instance = ConsulTestSupport.upstream(first);
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> again = gateway.send(gateway.request("/shop").header("Cookie", cookie).build());
            assertThat(ConsulTestSupport.upstream(again)).isEqualTo(instance);
            assertThat(again.headers().firstValue("Set-Cookie")).isEmpty();
        }
    }

    @Test
    void aKilledInstanceIsEjectedWithoutAFailedIdempotentRequest() throws Exception {
        gateway("retries: {attempts: 2, on: [connect-failure, reset, gateway-error], backoff: 5ms}",
                "isthmus.upstream.consecutive-failures", "2");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<CompletableFuture<?>> loops = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            loops.add(CompletableFuture.runAsync(() -> {
                while (running.get()) {
                    HttpResponse<String> r = gateway.get("/shop");
                    if (r.statusCode() == 200) {
                        ok.incrementAndGet();
                    }
                    else {
                        failures.add(r.statusCode() + " " + r.body());
                    }
                }
            }, pool));
        }
        Await.until(Duration.ofSeconds(2), () -> ok.get() > 100);
        EchoServer victim = instances.get(1);
        victim.kill(); // still registered in Consul: only passive health can notice
        int before = ok.get();
        Await.until(Duration.ofSeconds(3), () -> ok.get() > before + 300);
        running.set(false);
        loops.forEach(CompletableFuture::join);
        pool.shutdown();

        assertThat(failures).as("failed requests while an instance died").isEmpty();
        assertThat(ok.get() - before).isGreaterThan(300);
        String upstreams = gateway.admin("/actuator/upstreams").body();
        assertThat(upstreams).contains("\"address\":\"127.0.0.1:" + victim.port() + "\"");
        assertThat(gateway.bean(OutlierDetector.class).describe("operator", Instance.of("127.0.0.1", victim.port(),
                dev.isthmus.compile.BackendTarget.Registry.CONSUL)).ejected()).as("the dead instance is ejected: %s", upstreams).isTrue();
    }

    @Test
    void retriesGoToAnotherInstance() {
        gateway("retries: {attempts: 1, on: [gateway-error], backoff: 5ms}");
        instances.forEach(EchoServer::reset);
        instances.get(0).behave(r -> Reply.status(503));
        Map<String, Integer> counts = spread(90, "/shop");
        assertThat(counts).as("every request succeeds on its retry").containsOnlyKeys("i1", "i2");
        int failedFirstTries = instances.get(0).count();
        assertThat(failedFirstTries).as("i0 got first tries").isPositive();
        assertThat(instances.get(1).count() + instances.get(2).count()).isEqualTo(90);
    }
}
