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
 *
 * <p>Samples are {@link #PAUSE} apart, so each measures an isolated change: back to back they would
 * measure the watch's rate limit under churn (a query reads at most 20 times a second after a burst).
 */
class ConsulLatencyIT {

    static final int SAMPLES = 60;
    static final long PAUSE = 150;
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
            try (Sampler sampler = new Sampler("/lat/")) {
                long t0 = System.nanoTime();
                consul.register(id, "lat", "127.0.0.1", probe.port(), List.of(), Map.of(), null);
                samples.add(untilRoutedTo(sampler, "probe", t0));
            }
            consul.deregister(id);
            untilGone("/lat/", "probe");
            pause();
        }
        report("register -> first routed request (new instance of a watched service)", samples);
    }

    @Test
    void registerToFirstRequestOnANewTagRoute() {
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            String service = "tagged-" + i;
            try (Sampler sampler = new Sampler("/" + service + "/")) {
                long t0 = System.nanoTime();
                consul.register(service + "-1", service, "127.0.0.1", probe.port(), List.of("isthmus.enable=true"), Map.of(), null);
                samples.add(untilRoutedTo(sampler, "probe", t0));
            }
            consul.deregister(service + "-1");
            pause();
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
            pause();
            try (Sampler sampler = new Sampler("/lat/")) {
                long t0 = System.nanoTime();
                consul.checkFail(id);
                samples.add(lastRoutedTo(sampler, "probe", t0));
            }
            consul.deregister(id);
            pause();
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
            pause();
            try (Sampler sampler = new Sampler("/lat/")) {
                long t0 = System.nanoTime();
                consul.deregister(id);
                samples.add(lastRoutedTo(sampler, "probe", t0));
            }
        }
        report("deregister -> last routed request", samples);
    }

    /**
     * Requests sent back to back from a thread of their own while the test thread changes Consul,
     * so a change is seen within a request's time (about a millisecond), not after the agent API
     * call returns. Records when each request was sent and which upstream answered.
     */
    static final class Sampler implements AutoCloseable {
        record Sample(long sentNanos, String upstream) {
        }

        final java.util.concurrent.ConcurrentLinkedQueue<Sample> samples = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        private final Thread thread;

        Sampler(String path) {
            thread = new Thread(() -> {
                while (running.get()) {
                    long sent = System.nanoTime();
                    samples.add(new Sample(sent, upstream(gateway.get(path))));
                }
            }, "latency-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() {
            running.set(false);
            try {
                thread.join(5_000);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Microseconds from t0 to the sending of the first request that reached {@code server}. */
    private static long untilRoutedTo(Sampler sampler, String server, long t0) {
        while (ConsulTestSupport.millisSince(t0) < 5_000) {
            for (Sampler.Sample s : sampler.samples) {
                if (s.sentNanos() >= t0 && server.equals(s.upstream())) {
                    return (s.sentNanos() - t0) / 1_000;
                }
            }
            pause(1);
        }
        throw new AssertionError("not routed to " + server + " within 5 s");
    }

    /**
     * Microseconds from t0 to the sending of the last request that reached {@code server} (0 when
     * none sent after t0 did), once none has for 300 ms.
     */
    private static long lastRoutedTo(Sampler sampler, String server, long t0) {
        while (true) {
            long last = t0;
            for (Sampler.Sample s : sampler.samples) {
                if (s.sentNanos() > last && server.equals(s.upstream())) {
                    last = s.sentNanos();
                }
            }
            if (ConsulTestSupport.millisSince(last) >= 300) {
                return (last - t0) / 1_000;
            }
            if (ConsulTestSupport.millisSince(t0) > 5_000) {
                throw new AssertionError("still routed to " + server + " 5 s after the change");
            }
            pause(5);
        }
    }

    private static long untilRoutedTo(String path, String server, long t0) {
        try (Sampler sampler = new Sampler(path)) {
            return untilRoutedTo(sampler, server, t0);
        }
    }

    private static void pause() {
        pause(PAUSE);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void untilGone(String path, String server) {
        try (Sampler sampler = new Sampler(path)) {
            lastRoutedTo(sampler, server, System.nanoTime());
        }
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
