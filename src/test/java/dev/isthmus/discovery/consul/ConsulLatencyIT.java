package dev.isthmus.discovery.consul;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;

import static dev.isthmus.discovery.consul.ConsulTestSupport.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How fast Consul changes reach the request path, measured end to end over many samples: from the
 * agent API call to the first request routed to a new instance (and to a new tag route), and from
 * a check turning critical (and a deregistration) to the last request that still reached the
 * instance. Prints p50/p99/max; asserts p99 under a second.
 */
class ConsulLatencyIT {

    static final int SAMPLES = 60;
    static ConsulServer consul;
    static EchoServer base;
    static EchoServer probe;
    static GatewayApp gateway;

    @BeforeAll
    static void start() {
        consul = ConsulServer.start();
        base = EchoServer.start("base");
        probe = EchoServer.start("probe");
        gateway = GatewayApp.start("""
                routes:
                  - name: lat
                    match: {path: {prefix: /lat/}}
                    backends: [{service: "consul:lat"}]
                """, ConsulTestSupport.gatewayProperties(consul));
        // a permanent instance, so the service is known and watched; samples add and remove a second one
        consul.register("lat-base", "lat", "127.0.0.1", base.port(), List.of(), Map.of(), null);
        long t0 = System.nanoTime();
        while (!upstream(gateway.get("/lat/")).equals("base")) {
            assertThat(ConsulTestSupport.millisSince(t0)).isLessThan(10_000);
        }
        // warm the request path (JIT, connection pools) so samples measure propagation, not warm-up
        for (int i = 0; i < 300; i++) {
            gateway.get("/lat/");
        }
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (base != null) {
            base.close();
        }
        if (probe != null) {
            probe.close();
        }
        if (consul != null) {
            consul.close();
        }
    }

    @Test
    void registerToFirstRoutedRequest() {
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            String id = "lat-probe-" + i;
            long t0 = System.nanoTime();
            consul.register(id, "lat", "127.0.0.1", probe.port(), List.of(), Map.of(), null);
            samples.add(untilRoutedTo("/lat/", "probe", t0));
            consul.deregister(id);
            untilGone("/lat/", "probe");
        }
        report("register -> first routed request (new instance of a watched service)", samples);
    }

    @Test
    void registerToFirstRequestOnANewTagRoute() {
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            String service = "tagged-" + i;
            long t0 = System.nanoTime();
            consul.register(service + "-1", service, "127.0.0.1", probe.port(), List.of("isthmus.enable=true"), Map.of(), null);
            samples.add(untilRoutedTo("/" + service + "/", "probe", t0));
            consul.deregister(service + "-1");
        }
        report("register -> first routed request (new service, tag route)", samples);
    }

    @Test
    void checkCriticalToLastRoutedRequest() {
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            String id = "lat-ttl-" + i;
            consul.register(id, "lat", "127.0.0.1", probe.port(), List.of(), Map.of(), "60s");
            untilRoutedTo("/lat/", "probe", System.nanoTime());
            long t0 = System.nanoTime();
            consul.checkFail(id);
            samples.add(lastRoutedTo("/lat/", "probe", t0));
            consul.deregister(id);
        }
        report("check critical -> last routed request", samples);
    }

    @Test
    void deregisterToLastRoutedRequest() {
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            String id = "lat-dereg-" + i;
            consul.register(id, "lat", "127.0.0.1", probe.port(), List.of(), Map.of(), null);
            untilRoutedTo("/lat/", "probe", System.nanoTime());
            long t0 = System.nanoTime();
            consul.deregister(id);
            samples.add(lastRoutedTo("/lat/", "probe", t0));
        }
        report("deregister -> last routed request", samples);
    }

    /** Microseconds from t0 until a request reaches {@code server}. */
    private static long untilRoutedTo(String path, String server, long t0) {
        while (true) {
            long sent = System.nanoTime();
            if (server.equals(upstream(gateway.get(path)))) {
                return (sent - t0) / 1_000;
            }
            if (ConsulTestSupport.millisSince(t0) > 5_000) {
                throw new AssertionError(path + " not routed to " + server + " within 5 s");
            }
        }
    }

    /** Microseconds from t0 to the sending of the last request that reached {@code server} (none for 300 ms after it). */
    private static long lastRoutedTo(String path, String server, long t0) {
        long last = 0;
        long quietSince = System.nanoTime();
        while (ConsulTestSupport.millisSince(quietSince) < 300) {
            long sent = System.nanoTime();
            if (server.equals(upstream(gateway.get(path)))) {
                last = (sent - t0) / 1_000;
                quietSince = System.nanoTime();
            }
            if (ConsulTestSupport.millisSince(t0) > 5_000) {
                throw new AssertionError(path + " still routed to " + server + " 5 s after the change");
            }
        }
        return last;
    }

    private static void untilGone(String path, String server) {
        lastRoutedTo(path, server, System.nanoTime());
    }

    private static void report(String what, List<Long> micros) {
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        double p50 = sorted.get((int) Math.ceil(0.50 * sorted.size()) - 1) / 1000.0;
        double p99 = sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1) / 1000.0;
        double max = sorted.get(sorted.size() - 1) / 1000.0;
        System.out.printf("LATENCY %-70s n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms%n", what, sorted.size(), p50, p99, max);
        assertThat(sorted).hasSizeGreaterThanOrEqualTo(50);
        assertThat(p99).as(what + " p99 (ms)").isLessThan(1000.0);
    }
}
