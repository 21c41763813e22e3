package dev.isthmus.source.consul;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.BackendTarget.Registry;
import dev.isthmus.compile.RouteStatus;
import dev.isthmus.discovery.consul.ConsulServiceRegistry;
import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.SourceKind;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.spec.LoadBalancerPolicy;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.EchoServer.Reply;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.compile.policy.LoadBalancing;

import static dev.isthmus.discovery.consul.ConsulTestSupport.millisSince;
import static dev.isthmus.discovery.consul.ConsulTestSupport.routeStatus;
import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routes declared by services' own Consul tags (docs/design.md §3.3), against a real agent: they appear,
 * change and disappear with the registrations, their settings apply to real requests, and a service
 * with bad tags is reported while every other keeps routing.
 */
class ConsulTagRoutesIT {

    static ConsulServer consul;
    static EchoServer a;
    static EchoServer b;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        consul = ConsulServer.start();
        a = EchoServer.start("a");
        b = EchoServer.start("b");
        gateway = GatewayApp.start(null, ConsulTestSupport.gatewayProperties(consul, "isthmus.ownership.shared-hosts", "shared.example.com"));
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

    private static HttpResponse<String> get(String path, String... headers) {
        var req = gateway.request(path).timeout(Duration.ofSeconds(10));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            req.header(headers[i], headers[i + 1]);
        }
        return gateway.send(req.build());
    }

    private static long until(String path, Predicate<HttpResponse<String>> condition) {
        long t0 = System.nanoTime();
        while (millisSince(t0) < 5_000) {
            if (condition.test(get(path))) {
                return millisSince(t0);
            }
        }
        throw new AssertionError(path + ": condition not met within 5 s, last: " + upstream(get(path)));
    }

    private static RouteStatus awaitStatus(String routeId, Predicate<RouteStatus> condition) {
        assertThat(Await.until(Duration.ofSeconds(5), () -> routeStatus(gateway, routeId).filter(condition).isPresent()))
                .as("status of %s: %s", routeId, routeStatus(gateway, routeId)).isTrue();
        return routeStatus(gateway, routeId).orElseThrow();
    }

    @Test
    void aTaggedServiceGetsItsRouteWithinASecond() {
        long t0 = System.nanoTime();
        consul.register("inventory-1", "inventory", "127.0.0.1", a.port(),
                List.of("isthmus.enable=true", "isthmus.path=/inventory/", "isthmus.rewrite=/"), Map.of(), null);
        long ms = until("/inventory/items", r -> r.statusCode() == 200);
        System.out.printf("tag route: register -> routable: %d ms%n", millisSince(t0));
        assertThat(ms).isLessThan(1000);
        assertThat(a.last().uri()).isEqualTo("/items");

        RouteStatus status = awaitStatus("consul/dc1/inventory", RouteStatus::accepted);
        assertThat(status.object()).isEqualTo(new ObjectRef(SourceKind.CONSUL, "dc1", "inventory"));
        assertThat(status.generation()).isPositive();
        var route = gateway.bean(RouteTableHolder.class).get().route("consul/dc1/inventory").compiled();
        assertThat(route.provenance().created()).isAfter(Instant.EPOCH);
        assertThat(route.backends().get(0).target().display()).isEqualTo("consul:dc1/inventory");
    }

    @Test
    void withoutAPathTagTheServiceNameIsThePathAndIsRewrittenToRoot() {
        consul.register("catalog-1", "catalog", "127.0.0.1", a.port(), List.of("isthmus.enable=true"), Map.of(), null);
        until("/catalog/x/y", r -> r.statusCode() == 200);
        assertThat(a.last().uri()).isEqualTo("/x/y");
    }

    @Test
    void changedTagsChangeTheRouteAndDeregistrationRemovesIt() {
        consul.register("orders-1", "orders", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/orders/"), Map.of(), null);
        until("/orders/1", r -> r.statusCode() == 200);
        RouteStatus first = awaitStatus("consul/dc1/orders", RouteStatus::accepted);
        Instant created = gateway.bean(RouteTableHolder.class).get().route("consul/dc1/orders").compiled().provenance().created();

        // re-registering the same instance with other tags
        consul.register("orders-1", "orders", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/v2/orders/"), Map.of(), null);
        assertThat(until("/v2/orders/1", r -> r.statusCode() == 200)).isLessThan(1000);
        assertThat(get("/orders/1").statusCode()).isEqualTo(404);
        RouteStatus second = awaitStatus("consul/dc1/orders", s -> s.generation() > first.generation());
        assertThat(second.accepted()).isTrue();
        assertThat(gateway.bean(RouteTableHolder.class).get().route("consul/dc1/orders").compiled().provenance().created())
                .isEqualTo(created);

        consul.deregister("orders-1");
        assertThat(until("/v2/orders/1", r -> r.statusCode() == 404)).isLessThan(1000);
        assertThat(Await.until(Duration.ofSeconds(2), () -> routeStatus(gateway, "consul/dc1/orders").isEmpty())).isTrue();
    }

    @Test
    void invalidTagsAreReportedForThatServiceAloneWhileOthersKeepRouting() {
        consul.register("healthy-1", "healthy", "127.0.0.1", a.port(), List.of("isthmus.enable=true"), Map.of(), null);
        until("/healthy/", r -> r.statusCode() == 200);

        consul.register("broken-1", "broken", "127.0.0.1", b.port(),
                List.of("isthmus.enable=true", "isthmus.timeout=5 parsecs", "isthmus.precedence=high"), Map.of(), null);
        RouteStatus status = awaitStatus("consul/dc1/broken", s -> !s.accepted());
        assertThat(status.reason()).hasToString("InvalidTag");
        assertThat(status.object()).isEqualTo(new ObjectRef(SourceKind.CONSUL, "dc1", "broken"));
        assertThat(status.message()).contains("isthmus.timeout=5 parsecs").contains("isthmus.precedence=high: not a whole number");
        assertThat(get("/broken/").statusCode()).isEqualTo(404);
        assertThat(upstream(get("/healthy/"))).isEqualTo("a");

        // fixing the tags brings the route
        consul.register("broken-1", "broken", "127.0.0.1", b.port(), List.of("isthmus.enable=true", "isthmus.timeout=5s"), Map.of(), null);
        until("/broken/", r -> upstream(r).equals("b"));
        assertThat(awaitStatus("consul/dc1/broken", RouteStatus::accepted).reason()).isEqualTo(RouteStatus.ACCEPTED);
    }

    @Test
    void instancesDisagreeingOnATagRejectTheServiceNamingThem() {
        consul.register("split-1", "split", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/split-a/"), Map.of(), null);
        until("/split-a/", r -> r.statusCode() == 200);
        consul.register("split-2", "split", "127.0.0.1", b.port(), List.of("isthmus.enable=true", "isthmus.path=/split-b/"), Map.of(), null);

        RouteStatus status = awaitStatus("consul/dc1/split", s -> !s.accepted());
        assertThat(status.message()).contains("conflicting values for isthmus.path: '/split-a/' on isthmus-test/split-1 vs '/split-b/' on isthmus-test/split-2");
        assertThat(until("/split-a/", r -> r.statusCode() == 404)).isLessThan(1000);

        // instances that agree, or do not say, merge: both serve the route
        consul.register("split-2", "split", "127.0.0.1", b.port(), List.of("isthmus.enable=true"), Map.of(), null);
        until("/split-a/", r -> upstream(r).equals("a"));
        until("/split-a/", r -> upstream(r).equals("b"));
    }

    @Test
    void hostTagRestrictsTheRouteToThatHost() {
        consul.register("hosted-1", "hosted", "127.0.0.1", a.port(),
                List.of("isthmus.enable=true", "isthmus.host=inv.example.com", "isthmus.path=/h/"), Map.of(), null);
        awaitStatus("consul/dc1/hosted", RouteStatus::accepted);
        assertThat(get("/h/", "Host", "inv.example.com").statusCode()).isEqualTo(200);
        assertThat(get("/h/").statusCode()).isEqualTo(404);
    }

    @Test
    void timeoutTagBoundsTheRequest() {
        a.behave(r -> Reply.delayed(Duration.ofSeconds(3)));
        consul.register("slow-1", "slow", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.timeout=300ms"), Map.of(), null);
        awaitStatus("consul/dc1/slow", RouteStatus::accepted);
        long t0 = System.nanoTime();
        HttpResponse<String> r = get("/slow/");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(millisSince(t0)).isLessThan(2_000);
    }

    @Test
    void retriesTagRetriesOnAnotherInstance() {
        // its own failing upstream: passive health checking ejects it, which must not affect other tests
        try (EchoServer failing = EchoServer.start("failing")) {
            failing.behave(r -> Reply.status(503));
            consul.register("flaky-1", "flaky", "127.0.0.1", failing.port(), List.of("isthmus.enable=true", "isthmus.retries=2"), Map.of(), null);
            consul.register("flaky-2", "flaky", "127.0.0.1", b.port(), List.of("isthmus.enable=true"), Map.of(), null);
            assertThat(Await.until(Duration.ofSeconds(5), () -> gateway.bean(ConsulServiceRegistry.class)
                    .instances(new BackendTarget.Service(Registry.CONSUL, null, null, "flaky", null)).size() == 2)).isTrue();
            awaitStatus("consul/dc1/flaky", RouteStatus::accepted);
            for (int i = 0; i < 10; i++) {
                assertThat(upstream(get("/flaky/"))).isEqualTo("b");
            }
            assertThat(failing.count()).isPositive(); // it was tried, and the retry went to b
        }
    }

    @Test
    void lbAndPrecedenceTagsApply() {
        // precedence orders routes of different owners only on a host they share by policy (isthmus.ownership.shared-hosts)
        consul.register("first-1", "first", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.host=shared.example.com",
                "isthmus.path=/shared/", "isthmus.precedence=10", "isthmus.lb=least-request"), Map.of(), null);
        consul.register("second-1", "second", "127.0.0.1", b.port(), List.of("isthmus.enable=true", "isthmus.host=shared.example.com",
                "isthmus.path=/shared/"), Map.of(), null);
        RouteStatus loser = awaitStatus("consul/dc1/second", s -> "Conflicted".equals(s.reason().value()));
        assertThat(loser.message()).contains("consul/dc1/first");
        assertThat(upstream(get("/shared/", "Host", "shared.example.com"))).isEqualTo("a");
        assertThat(gateway.bean(RouteTableHolder.class).get().route("consul/dc1/first").compiled().policy(LoadBalancing.class).policy())
                .isEqualTo(LoadBalancerPolicy.LEAST_REQUEST);
    }

    @Test
    void aServiceCannotTakeThePathsAnotherServiceServesOnTheDefaultHost() {
        consul.register("holder-1", "holder", "127.0.0.1", a.port(), List.of("isthmus.enable=true", "isthmus.path=/held/"), Map.of(), null);
        until("/held/", r -> "a".equals(upstream(r)));
        consul.register("taker-1", "taker", "127.0.0.1", b.port(), List.of("isthmus.enable=true", "isthmus.path=/held/",
                "isthmus.precedence=1000"), Map.of(), null);
        RouteStatus refused = awaitStatus("consul/dc1/taker", s -> "HostClaimed".equals(s.reason().value()));
        assertThat(refused.message()).contains("held by consul service dc1/holder").doesNotContain("consul/dc1/holder");
        assertThat(upstream(get("/held/"))).isEqualTo("a");
    }

    @Test
    void servicesWithoutTheEnableTagGetNoRoute() {
        consul.register("quiet-1", "quiet", "127.0.0.1", a.port(), List.of("isthmus.path=/quiet/"), Map.of(), null);
        consul.register("loud-1", "loud", "127.0.0.1", a.port(), List.of("isthmus.enable=true"), Map.of(), null);
        until("/loud/", r -> r.statusCode() == 200);
        assertThat(get("/quiet/").statusCode()).isEqualTo(404);
        assertThat(routeStatus(gateway, "consul/dc1/quiet")).isEmpty();
    }
}
