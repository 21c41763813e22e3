package dev.isthmus.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.isthmus.testsupport.ManagedProcess;
import dev.isthmus.testsupport.RealInfra;

/**
 * The processes of the benchmark suite: nginx (the anchor's config: the fixed upstream and the
 * reference proxy), gateway JVMs (Isthmus' jar, the stock Spring Cloud Gateway anchor, the raw
 * Reactor Netty proxy), and the
 * load generators wrk (closed loop) and vegeta (open loop, fixed rate), whose outputs are parsed
 * here. Everything listens on loopback.
 */
final class BenchTools {

    private BenchTools() {
    }

    /** Where bench/setup.sh caches its builds (vegeta, the stock gateway). */
    static Path benchHome() {
        String p = System.getenv("ISTHMUS_BENCH_HOME");
        return Path.of(p != null && !p.isBlank() ? p : System.getProperty("user.home") + "/.cache/isthmus-bench");
    }

    /** bench/anchors: the stock gateway, the raw Reactor Netty proxy and nginx's config (tests and bench/run.sh run in the project directory). */
    static Path anchors() {
        return Path.of("bench", "anchors").toAbsolutePath();
    }

    static Path isthmusJar() {
        return Path.of(System.getProperty("isthmus.jar", "target/isthmus.jar")).toAbsolutePath();
    }

    static Path stockJar() {
        return benchHome().resolve("stock-scg/target/stock-scg.jar");
    }

    /** The transport ceiling: bench/anchors/raw-reactor-netty, built by bench/setup.sh. */
    static Path rawProxyJar() {
        return benchHome().resolve("raw-reactor-netty/target/raw-proxy.jar");
    }

    static Path vegeta() {
        return benchHome().resolve("bin/vegeta");
    }

    static String wrk() {
        return which("wrk");
    }

    static String nginx() {
        String p = which("nginx");
        return p != null ? p : Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : null;
    }

    private static String which(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** What is missing to run the suite, or an empty list. */
    static List<String> missing() {
        List<String> out = new ArrayList<>();
        if (wrk() == null) {
            out.add("wrk (bench/setup.sh)");
        }
        if (nginx() == null) {
            out.add("nginx (bench/setup.sh)");
        }
        if (!Files.isExecutable(vegeta())) {
            out.add(vegeta() + " (bench/setup.sh)");
        }
        if (!Files.isRegularFile(stockJar())) {
            out.add(stockJar() + " (bench/setup.sh)");
        }
        if (!Files.isRegularFile(rawProxyJar())) {
            out.add(rawProxyJar() + " (bench/setup.sh)");
        }
        if (!Files.isRegularFile(isthmusJar())) {
            out.add(isthmusJar() + " (./mvnw package)");
        }
        if (!Files.isRegularFile(anchors().resolve("nginx-proxy.conf"))) {
            out.add(anchors().resolve("nginx-proxy.conf") + " (run from the project directory)");
        }
        return out;
    }

    // --- nginx -------------------------------------------------------------------------------

    /** The anchor's nginx: a fixed 20-byte body on {@link #upstreamPort}, and a keep-alive proxy to it on {@link #proxyPort}. */
    static final class Nginx implements AutoCloseable {
        final int upstreamPort = RealInfra.freePort();
        final int proxyPort = RealInfra.freePort();
        private final ManagedProcess process;

        Nginx(Path dir) throws IOException {
            Files.createDirectories(dir);
            String conf = Files.readString(anchors().resolve("nginx-proxy.conf")).replace("UPSTREAM_PORT", String.valueOf(upstreamPort))
                    .replace("PROXY_PORT", String.valueOf(proxyPort)).replace("RUNDIR", dir.toString());
            Files.writeString(dir.resolve("nginx.conf"), conf);
            // in the foreground, so the process is ours to stop; -e: no write to the system's error log
            process = ManagedProcess.start(List.of(nginx(), "-p", dir.toString(), "-e", dir.resolve("error.log").toString(), "-c",
                    dir.resolve("nginx.conf").toString(), "-g", "daemon off;"), dir.resolve("nginx.out"), Map.of());
            if (awaitStatus("http://127.0.0.1:" + upstreamPort + "/", 200, Duration.ofSeconds(10)) < 0
                    || awaitStatus("http://127.0.0.1:" + proxyPort + "/", 200, Duration.ofSeconds(10)) < 0) {
                throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("nginx.out")));
            }
        }

        String upstreamUrl() {
            return "http://127.0.0.1:" + upstreamPort;
        }

        @Override
        public void close() {
            process.close();
        }
    }

    // --- gateway JVMs ----------------------------------------------------------------------------

    /** A gateway JVM under test, and when it first proxied a request. */
    static final class Jvm implements AutoCloseable {
        final String name;
        final int port;
        final ManagedProcess process;
        final Path dir;
        /** Milliseconds from process start to the first proxied 200, -1 if it never came. */
        long startupMillis = -1;

        private Jvm(String name, int port, ManagedProcess process, Path dir) {
            this.name = name;
            this.port = port;
            this.process = process;
            this.dir = dir;
        }

        /**
         * Starts {@code java [jvmArgs] -jar jar [args]} in {@code dir} and waits for {@code probePath}
         * on {@code port} to answer 200 (a proxied response).
         */
        static Jvm start(String name, Path dir, List<String> jvmArgs, Path jar, List<String> args, int port, String probePath,
                Duration timeout) throws IOException {
            Files.createDirectories(dir);
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmArgs);
            cmd.add("-jar");
            cmd.add(jar.toString());
            cmd.addAll(args);
            Files.deleteIfExists(dir.resolve(name + ".log"));
            long t0 = System.nanoTime();
            ManagedProcess p = ManagedProcess.start(cmd, dir.resolve(name + ".log"), Map.of(), dir);
            Jvm jvm = new Jvm(name, port, p, dir);
            long until = awaitStatus(p, "http://127.0.0.1:" + port + probePath, 200, timeout);
            if (until < 0) {
                String log = Files.readString(dir.resolve(name + ".log"));
                jvm.close();
                throw new IllegalStateException(name + " did not proxy " + probePath + " within " + timeout + ":\n"
                        + log.substring(Math.max(0, log.length() - 4000)));
            }
            jvm.startupMillis = (until - t0) / 1_000_000;
            return jvm;
        }

        String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }

        long pid() {
            return process.pid();
        }

        /** Resident set size in MiB (VmRSS). */
        double rssMiB() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
            return -1;
        }

        /** Heap in use after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}), in MiB. */
        double heapAfterGcMiB() throws IOException, InterruptedException {
            run(List.of(jcmd(), String.valueOf(pid()), "GC.run"), Duration.ofSeconds(60));
            String info = run(List.of(jcmd(), String.valueOf(pid()), "GC.heap_info"), Duration.ofSeconds(30));
            Matcher m = Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
            if (!m.find()) {
                throw new IllegalStateException("unexpected GC.heap_info output: " + info);
            }
            return Long.parseLong(m.group(1)) / 1024.0;
        }

        private static String jcmd() {
            return Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        }

        @Override
        public void close() {
            process.close();
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();

    static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (IOException e) {
            return -1;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException e) {
            return null;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Polls until {@code url} answers {@code expected}; the nanoTime of the request that did, or -1. */
    static long awaitStatus(String url, int expected, Duration timeout) {
        return awaitStatus(null, url, expected, timeout);
    }

    private static long awaitStatus(ManagedProcess process, String url, int expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                return -1;
            }
            if (status(url) == expected) {
                return System.nanoTime();
            }
            sleep(10);
        }
        return -1;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command to completion; its standard output (and error) as text. */
    static String run(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
        return run(cmd, timeout, true);
    }

    static String run(List<String> cmd, Duration timeout, boolean checkExit) throws IOException, InterruptedException {
        Path out = Files.createTempFile("isthmus-bench", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + timeout);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (checkExit && p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text);
            }
            return text;
        }
        finally {
            Files.deleteIfExists(out);
        }
    }

    // --- wrk ---------------------------------------------------------------------------------

    /** One wrk run: throughput, latency percentiles (ms), and what went wrong. */
    record WrkResult(double rps, double p50, double p99, long requests, long non2xx, long socketErrors) {
        boolean clean() {
            return non2xx == 0 && socketErrors == 0 && requests > 0;
        }
    }

    static WrkResult wrk(String url, int threads, int connections, Duration duration) throws IOException, InterruptedException {
        return wrk(url, threads, connections, duration, List.of());
    }

    /** With request headers ({@code "Name: value"}), e.g. a credential. */
    static WrkResult wrk(String url, int threads, int connections, Duration duration, List<String> headers)
            throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(wrk(), "-t" + threads, "-c" + connections, "-d" + Math.max(1, duration.toSeconds()) + "s",
                "--latency"));
        for (String h : headers) {
            cmd.add("-H");
            cmd.add(h);
        }
        cmd.add(url);
        return parseWrk(run(cmd, duration.plusSeconds(60)));
    }

    static WrkResult parseWrk(String out) {
        double rps = number(out, "Requests/sec:\\s+([0-9.]+)");
        double p50 = wrkMillis(out, "50%");
        double p99 = wrkMillis(out, "99%");
        long requests = (long) number(out, "(\\d+) requests in");
        Matcher non = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
        long non2xx = non.find() ? Long.parseLong(non.group(1)) : 0;
        long errors = 0;
        Matcher se = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(out);
        if (se.find()) {
            for (int i = 1; i <= 4; i++) {
                errors += Long.parseLong(se.group(i));
            }
        }
        return new WrkResult(rps, p50, p99, requests, non2xx, errors);
    }

    private static double wrkMillis(String out, String percentile) {
        Matcher m = Pattern.compile("^\\s*" + Pattern.quote(percentile) + "\\s+([0-9.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE).matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no " + percentile + " latency in wrk output:\n" + out);
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000.0;
            case "ms" -> v;
            case "s" -> v * 1000.0;
            default -> v * 60_000.0;
        };
    }

    private static double number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("unexpected wrk output (" + regex + "):\n" + out);
        }
        return Double.parseDouble(m.group(1));
    }

    // --- vegeta ------------------------------------------------------------------------------

    /** One fixed-rate run: latency percentiles (ms) of every request sent, and the share that succeeded. */
    record RateResult(int rate, long requests, double successRatio, double p50, double p99, double p999, double max,
            List<Long> sortedNanos, long ok) {

        /** The runs' requests taken together: percentiles over all of them. */
        static RateResult pooled(List<RateResult> runs) {
            List<Long> all = new ArrayList<>();
            long ok = 0;
            for (RateResult r : runs) {
                all.addAll(r.sortedNanos());
                ok += r.ok();
            }
            return of(runs.get(0).rate(), all, ok);
        }

        static RateResult of(int rate, List<Long> latencies, long ok) {
            latencies.sort(null);
            int n = latencies.size();
            return new RateResult(rate, n, n == 0 ? 0 : (double) ok / n, pct(latencies, 50) / 1e6, pct(latencies, 99) / 1e6,
                    pct(latencies, 99.9) / 1e6, n == 0 ? 0 : latencies.get(n - 1) / 1e6, latencies, ok);
        }
    }

    /** Runs of wrk taken together: mean req/s and mean percentiles (wrk reports percentiles only), every run's req/s. */
    static WrkResult mean(List<WrkResult> runs) {
        double rps = 0;
        double p50 = 0;
        double p99 = 0;
        long requests = 0;
        long non2xx = 0;
        long errors = 0;
        for (WrkResult r : runs) {
            rps += r.rps() / runs.size();
            p50 += r.p50() / runs.size();
            p99 += r.p99() / runs.size();
            requests += r.requests();
            non2xx += r.non2xx();
            errors += r.socketErrors();
        }
        return new WrkResult(rps, p50, p99, requests, non2xx, errors);
    }

    static RateResult vegeta(String url, int rate, Duration duration, Path work) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path targets = work.resolve("targets.txt");
        Path results = work.resolve("results.bin");
        Files.writeString(targets, "GET " + url + "\n");
        run(List.of(vegeta().toString(), "attack", "-rate=" + rate + "/s", "-duration=" + duration.toMillis() + "ms", "-targets=" + targets,
                "-timeout=10s", "-output=" + results), duration.plusSeconds(60));
        String csv = run(List.of(vegeta().toString(), "encode", "-to=csv", results.toString()), Duration.ofSeconds(60));
        Files.deleteIfExists(results);
        List<Long> latencies = new ArrayList<>();
        long ok = 0;
        for (String line : csv.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            // timestamp,code,latency(ns),bytes_out,bytes_in,error,body,...
            String[] f = line.split(",", 4);
            latencies.add(Long.parseLong(f[2]));
            if (f[1].equals("200")) {
                ok++;
            }
        }
        return RateResult.of(rate, latencies, ok);
    }

    /** Nearest-rank percentile of a sorted list (0 when empty). */
    static long pct(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.min(sorted.size() - 1, Math.max(0, rank - 1)));
    }

    // --- machine -----------------------------------------------------------------------------

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (IOException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0);
                }
            }
        }
        catch (IOException ignored) {
            // not Linux
        }
        return "?";
    }

    /** The 1, 5 and 15-minute load averages. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + ", " + f[1] + ", " + f[2];
        }
        catch (IOException e) {
            return "?";
        }
    }

    static double loadAverage1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        }
        catch (IOException e) {
            return -1;
        }
    }
}
