package dev.isthmus.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;

import dev.isthmus.bench.BenchTools.Jvm;
import dev.isthmus.bench.BenchTools.WrkResult;

/**
 * Scenario 7: what tracing costs per request. The same one-route Isthmus with tracing off (no
 * endpoint), on at Spring Boot's default sampling (0.1) and on with every request sampled (1.0),
 * exporting over OTLP/HTTP to a sink on loopback that reads and discards each export (a real
 * collector's decoding would only add its own CPU to the shared cores). Each in fresh JVMs,
 * alternately; CPU per request is the gateway process's user + system time over the measured run
 * divided by the requests served, which the neighbours on a shared machine disturb less than req/s.
 */
final class TracingCost {

    private final BenchmarkSuite.Config c;
    private final BenchReport report;
    private final Starter starter;

    interface Starter {
        Jvm start(String name, List<String> jvmArgs) throws IOException;
    }

    TracingCost(BenchmarkSuite.Config c, BenchReport report, Starter starter) {
        this.c = c;
        this.report = report;
        this.starter = starter;
    }

    private record Mode(String key, String label, List<String> jvmArgs) {
    }

    void run() throws Exception {
        BenchReport.Table t = report.table("s7", "7. Tracing off and on",
                "One route, closed loop (wrk), as in 1. Off: no OTLP endpoint (no tracer exists). On: "
                        + "`management.opentelemetry.tracing.export.otlp.endpoint` set, to a loopback sink that discards the exports, with "
                        + "`management.tracing.sampling.probability` 0.1 (Spring Boot's default) and 1.0. CPU per request: the gateway"
                        + " process's CPU time over the measured run / requests.",
                "target", "req/s", "p50 ms", "p99 ms", "CPU µs / request", "req/s vs off", "CPU vs off", "exports received");
        try (Sink sink = Sink.start()) {
            String endpoint = "-Dmanagement.opentelemetry.tracing.export.otlp.endpoint=http://127.0.0.1:" + sink.port() + "/v1/traces";
            List<Mode> modes = List.of(new Mode("off", "Isthmus, tracing off", List.of()),
                    new Mode("on-0.1", "Isthmus, tracing on, sampling 0.1", List.of(endpoint, "-Dmanagement.tracing.sampling.probability=0.1")),
                    new Mode("on-1.0", "Isthmus, tracing on, sampling 1.0", List.of(endpoint, "-Dmanagement.tracing.sampling.probability=1.0")));
            int rounds = c.smoke() ? 1 : 2;
            List<List<WrkResult>> runs = new ArrayList<>();
            List<List<Double>> cpu = new ArrayList<>();
            long[] exports = new long[modes.size()];
            for (int i = 0; i < modes.size(); i++) {
                runs.add(new ArrayList<>());
                cpu.add(new ArrayList<>());
            }
            for (int round = 1; round <= rounds; round++) {
                for (int i = 0; i < modes.size(); i++) {
                    Mode m = modes.get(i);
                    long before = sink.exports();
                    try (Jvm g = starter.start("isthmus-tracing-" + m.key(), m.jvmArgs())) {
                        BenchTools.wrk(g.url("/svc-0/"), c.threads(), c.connections(), c.jvmWarmup());
                        BenchTools.wrk(g.url("/svc-0/"), c.threads(), c.connections(), c.warmup());
                        double cpu0 = cpuSeconds(g.pid());
                        WrkResult r = BenchTools.wrk(g.url("/svc-0/"), c.threads(), c.connections(), c.duration());
                        double cpu1 = cpuSeconds(g.pid());
                        runs.get(i).add(r);
                        cpu.get(i).add(r.requests() == 0 ? 0 : (cpu1 - cpu0) * 1e6 / r.requests());
                        System.out.printf(Locale.ROOT, "[bench] tracing %s: %.0f req/s, p99 %.2f ms, %.0f µs CPU/request%n", m.key(), r.rps(),
                                r.p99(), cpu.get(i).get(cpu.get(i).size() - 1));
                    }
                    // counted once the JVM has stopped: the SDK flushes its last batch on shutdown
                    Thread.sleep(200);
                    exports[i] += sink.exports() - before;
                }
            }
            WrkResult off = BenchTools.mean(runs.get(0));
            double offCpu = mean(cpu.get(0));
            for (int i = 0; i < modes.size(); i++) {
                WrkResult r = BenchTools.mean(runs.get(i));
                double perRequest = mean(cpu.get(i));
                report.put("s7." + modes.get(i).key() + ".rps", r.rps());
                report.put("s7." + modes.get(i).key() + ".cpu.us", perRequest);
                t.row(i == 0 ? modes.get(i).label() : "**" + modes.get(i).label() + "**", r.rps(), r.p50(), r.p99(), perRequest,
                        String.format(Locale.ROOT, "%.2f×", r.rps() / off.rps()), String.format(Locale.ROOT, "%.2f×", perRequest / offCpu),
                        exports[i]);
            }
            t.note("Each mode in " + rounds + " fresh JVM(s), alternately; req/s and CPU are means over the runs. Every run's req/s: "
                    + eachMode(modes, runs) + ". Exports: OTLP requests the sink received from those JVMs, start to shutdown (batches of up to 512 spans, every 5 s).");
        }
    }

    private static String eachMode(List<Mode> modes, List<List<WrkResult>> runs) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < modes.size(); i++) {
            List<String> r = new ArrayList<>();
            runs.get(i).forEach(w -> r.add(String.format(Locale.ROOT, "%,.0f", w.rps())));
            out.add(modes.get(i).key() + " " + String.join(" / ", r));
        }
        return String.join("; ", out);
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    /** User + system CPU time of a process ({@code /proc/PID/stat} fields 14 and 15, in clock ticks of 1/100 s). */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": field 3 (state) is f[0], so utime (14) is f[11] and stime (15) f[12]
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    /** An OTLP/HTTP endpoint that reads and discards every export, answering an empty (valid) ExportTraceServiceResponse. */
    static final class Sink implements AutoCloseable {
        private final HttpServer server;
        private final AtomicLong exports = new AtomicLong();

        private Sink(HttpServer server) {
            this.server = server;
        }

        static Sink start() throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            Sink sink = new Sink(server);
            server.createContext("/v1/traces", exchange -> {
                try (exchange) {
                    exchange.getRequestBody().readAllBytes();
                    sink.exports.incrementAndGet();
                    exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                    exchange.sendResponseHeaders(200, -1);
                }
            });
            server.start();
            return sink;
        }

        int port() {
            return server.getAddress().getPort();
        }

        long exports() {
            return exports.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
