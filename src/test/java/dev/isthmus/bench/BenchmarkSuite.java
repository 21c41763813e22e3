package dev.isthmus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import dev.isthmus.bench.BenchTools.Jvm;
import dev.isthmus.bench.BenchTools.Nginx;
import dev.isthmus.bench.BenchTools.RateResult;
import dev.isthmus.bench.BenchTools.WrkResult;
import dev.isthmus.testsupport.RealInfra;

import static dev.isthmus.bench.BenchReport.percent;
import static dev.isthmus.bench.BenchReport.ratio;

/**
 * The benchmark suite: Isthmus side by side with the anchors of bench/anchors (stock Spring Cloud
 * Gateway, nginx, and in scenario 1 a raw Reactor Netty proxy as the transport ceiling) in the same
 * run, against the same upstream (the anchor's nginx fixed-body server), on loopback.
 * One gateway JVM runs at a time. Writes docs/benchmarks.md. Run with {@code bench/run.sh}
 * (full) or as {@code BenchmarkSuiteIT} (smoke: second-long runs, small route counts; it only
 * checks that every scenario produces numbers, never how large they are).
 *
 * <pre>
 * java -cp ... dev.isthmus.bench.BenchmarkSuite [--smoke] [--out docs/benchmarks.md] [--only 1,2,3,4,5,6,jmh]
 * </pre>
 */
public final class BenchmarkSuite {

    /** What to run, and how long. */
    record Config(boolean smoke, Duration jvmWarmup, Duration warmup, Duration duration, int threads, int connections, int manyRoutes, int rate,
            Duration rateWarmup, Duration rateDuration, int propagationRoutes, int changes, int criticalSamples, Path work, Path out,
            List<String> jvmArgs, Set<String> only) {

        static Config full(Path out, Set<String> only) {
            return new Config(false, Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(10), 1, 32, 10_000, 5_000, Duration.ofSeconds(5),
                    Duration.ofSeconds(10), 1_000, 60, 50, Path.of("bench/work").toAbsolutePath(), out, List.of(), only);
        }

        static Config smoke(Path work, Path out) {
            return new Config(true, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 8, 500, 500, Duration.ofMillis(500),
                    Duration.ofSeconds(1), 200, 5, 3, work, out, List.of(), Set.of());
        }

        Config only(Set<String> scenarios) {
            return new Config(smoke, jvmWarmup, warmup, duration, threads, connections, manyRoutes, rate, rateWarmup, rateDuration, propagationRoutes,
                    changes, criticalSamples, work, out, jvmArgs, Set.copyOf(scenarios));
        }

        boolean runs(String scenario) {
            return only.isEmpty() || only.contains(scenario);
        }
    }

    private final Config c;
    private final BenchReport report = new BenchReport();

    BenchmarkSuite(Config config) {
        this.c = config;
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of("docs/benchmarks.md");
        boolean smoke = false;
        Set<String> only = new LinkedHashSet<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only.addAll(List.of(args[++i].split(",")));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Config config = (smoke ? Config.smoke(Path.of("bench/work/smoke").toAbsolutePath(), out) : Config.full(out, Set.of())).only(only);
        BenchReport r = new BenchmarkSuite(config).run();
        System.out.println(r.markdown());
        System.exit(0); // JMH and HTTP clients leave non-daemon threads
    }

    BenchReport run() throws Exception {
        List<String> missing = BenchTools.missing();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("missing: " + String.join(", ", missing) + " — run bench/setup.sh and ./mvnw package");
        }
        Files.createDirectories(c.work());
        String loadBefore = BenchTools.loadAverage();
        header(loadBefore);
        try (Nginx nginx = new Nginx(c.work().resolve("nginx"))) {
            if (c.runs("1") || c.runs("4") || c.runs("6")) {
                onePlainRoute(nginx);
            }
            if (c.runs("2") || c.runs("6")) {
                manyRoutes(nginx);
            }
            if (c.runs("3")) {
                policies(nginx);
            }
            if (c.runs("6")) {
                startup(nginx);
            }
            if (c.runs("5")) {
                new Propagation(c, report, nginx).run();
            }
            if (c.runs("7")) {
                new TracingCost(c, report, (name, jvmArgs) -> isthmus(name, nginx, 1, jvmArgs)).run();
            }
            if (c.runs("8")) {
                authentication(nginx);
            }
        }
        if (c.runs("jmh")) {
            jmh();
        }
        targets();
        report.header.add("Load average (1, 5, 15 min) at the start: " + loadBefore + "; at the end: " + BenchTools.loadAverage());
        Files.createDirectories(c.out().toAbsolutePath().getParent());
        Files.writeString(c.out(), report.markdown());
        return report;
    }

    private void header(String load) throws IOException, InterruptedException {
        report.header.add("Date: " + ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT)));
        report.header.add("Machine: " + BenchTools.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + BenchTools.memTotal() + " RAM; " + System.getProperty("os.name") + " " + System.getProperty("os.version"));
        report.header.add("JDK: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (every gateway JVM; flags: " + (c.jvmArgs().isEmpty() ? "defaults" : String.join(" ", c.jvmArgs())) + ")");
        report.header.add("Mode: " + (c.smoke() ? "**SMOKE** (seconds-long runs, small route counts: numbers are not meaningful)" : "full")
                + "; wrk -t" + c.threads() + " -c" + c.connections() + " -d" + c.duration().toSeconds() + "s after a "
                + c.warmup().toSeconds() + " s warm-up of the same, and every freshly started gateway JVM first gets " + c.jvmWarmup().toSeconds()
                + " s of the same load, unmeasured (on 2 cores a gateway's throughput keeps rising for tens of seconds while the JIT compiles its request path); vegeta at " + c.rate() + " req/s for " + c.rateDuration().toSeconds()
                + " s; one gateway JVM at a time, nothing pinned (load generator, gateway and upstream share the "
                + Runtime.getRuntime().availableProcessors() + " cores)");
        report.header.add("Upstream: the anchor's nginx fixed 20-byte body (`bench/anchors/nginx-proxy.conf`); nginx proxy: the same file's"
                + " one-worker keep-alive proxy; stock SCG: `bench/anchors/stock-scg` built unmodified (metrics off, as the anchor ships);"
                + " raw Reactor Netty: `bench/anchors/raw-reactor-netty`");
        report.header.add("Load generators: " + BenchTools.run(List.of(BenchTools.wrk(), "-v"), Duration.ofSeconds(10), false).lines().findFirst()
                .orElse("wrk").split(" \\[")[0].trim() + ", vegeta " + System.getenv().getOrDefault("VEGETA_VERSION", "v12.13.0"));
    }

    // --- scenarios 1 and 4 (and the 1-route half of 6) --------------------------------------------

    private void onePlainRoute(Nginx nginx) throws Exception {
        BenchReport.Table s1 = report.table("s1", "1. One route, plain proxy",
                "Closed loop (wrk). Gateways have one route `/svc-0/` to the upstream; nginx and the raw Reactor Netty proxy proxy every"
                        + " path. Upstream direct is the ceiling of any proxy; the raw Reactor Netty proxy is the ceiling of a gateway built on"
                        + " Reactor Netty (`bench/anchors/raw-reactor-netty`: server to pooled client, headers copied, body streamed).",
                "target", "req/s", "p50 ms", "p99 ms", "vs stock SCG", "vs nginx", "vs raw Reactor Netty", "errors");
        BenchReport.Table s4 = report.table("s4", "4. Fixed-rate latency",
                "Open loop (vegeta) at " + c.rate() + " req/s for " + c.rateDuration().toSeconds()
                        + " s, after a warm-up at the same rate. Overhead = the target's percentile minus the direct upstream's.",
                "target", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "p50 overhead", "p99 overhead", "p99.9 overhead", "success");

        WrkResult direct = load(nginx.upstreamUrl() + "/svc-0/");
        WrkResult viaNginx = load("http://127.0.0.1:" + nginx.proxyPort + "/svc-0/");
        RateResult directRate = rate(nginx.upstreamUrl() + "/svc-0/", "direct");
        RateResult nginxRate = rate("http://127.0.0.1:" + nginx.proxyPort + "/svc-0/", "nginx");

        // Every gateway in fresh JVMs, alternately, more than once: from one JVM to the next the same
        // jar has differed by up to ~20% in interleaved A/B runs, more than some differences measured here.
        String loops = "-Dreactor.netty.ioWorkerCount=" + Runtime.getRuntime().availableProcessors();
        int rounds = c.smoke() ? 1 : 2;
        List<WrkResult> isthmusRuns = new ArrayList<>();
        List<WrkResult> stockRuns = new ArrayList<>();
        List<WrkResult> stockLoopsRuns = new ArrayList<>();
        List<WrkResult> rawRuns = new ArrayList<>();
        List<RateResult> isthmusRates = new ArrayList<>();
        List<RateResult> stockRates = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            try (Jvm g = isthmus("isthmus-1", nginx, 1, List.of())) {
                if (round == 1) {
                    report.put("s6.isthmus.1.startup.ms", g.startupMillis);
                }
                warm(g, "/svc-0/");
                isthmusRuns.add(load(g.url("/svc-0/")));
                isthmusRates.add(rate(g.url("/svc-0/"), "isthmus"));
                if (round == 1) {
                    memory(g, "isthmus", 1);
                }
            }
            try (Jvm g = stock("stock-1", nginx, 1)) {
                if (round == 1) {
                    report.put("s6.stock.1.startup.ms", g.startupMillis);
                }
                warm(g, "/svc-0/");
                stockRuns.add(load(g.url("/svc-0/")));
                stockRates.add(rate(g.url("/svc-0/"), "stock"));
                if (round == 1) {
                    memory(g, "stock", 1);
                }
            }
            // Isthmus sizes Reactor Netty's event loops to the CPUs (IsthmusApplication); the anchor as
            // shipped keeps Reactor Netty's default. The same setting on the anchor, for transparency.
            try (Jvm g = stock("stock-1-loops", nginx, 1, List.of(loops))) {
                warm(g, "/svc-0/");
                stockLoopsRuns.add(load(g.url("/svc-0/")));
            }
            // the transport ceiling, with Isthmus' event-loop setting: the ratio is what the gateway costs on the same transport
            try (Jvm g = raw("raw-1", nginx, List.of(loops))) {
                warm(g, "/svc-0/");
                rawRuns.add(load(g.url("/svc-0/")));
            }
        }
        WrkResult isthmus = BenchTools.mean(isthmusRuns);
        WrkResult stock = BenchTools.mean(stockRuns);
        WrkResult stockLoops = BenchTools.mean(stockLoopsRuns);
        WrkResult raw = BenchTools.mean(rawRuns);
        RateResult isthmusRate = RateResult.pooled(isthmusRates);
        RateResult stockRate = RateResult.pooled(stockRates);
        s1.note("Gateways: each in " + rounds + " fresh JVM(s), alternately; req/s is the mean, p50/p99 the mean of the runs'"
                + " percentiles; every run's req/s: Isthmus " + each(isthmusRuns) + "; stock SCG " + each(stockRuns)
                + "; stock SCG with `" + loops + "` " + each(stockLoopsRuns) + "; raw Reactor Netty " + each(rawRuns)
                + ". Fixed rate (4): percentiles over the requests of"
                + " all of a gateway's JVMs together.");

        report.put("s1.direct.rps", direct.rps());
        report.put("s1.nginx.rps", viaNginx.rps());
        report.put("s1.isthmus.rps", isthmus.rps());
        report.put("s1.stock.rps", stock.rps());
        report.put("s1.raw.rps", raw.rps());
        s1.row("upstream direct (ceiling)", direct.rps(), direct.p50(), direct.p99(), ratio(direct.rps(), stock.rps()),
                ratio(direct.rps(), viaNginx.rps()), ratio(direct.rps(), raw.rps()), errors(direct));
        s1.row("nginx proxy", viaNginx.rps(), viaNginx.p50(), viaNginx.p99(), ratio(viaNginx.rps(), stock.rps()), "1.00×",
                ratio(viaNginx.rps(), raw.rps()), errors(viaNginx));
        s1.row("raw Reactor Netty proxy (transport ceiling), `" + loops + "`", raw.rps(), raw.p50(), raw.p99(), ratio(raw.rps(), stock.rps()),
                ratio(raw.rps(), viaNginx.rps()), "1.00×", errors(raw));
        s1.row("stock Spring Cloud Gateway", stock.rps(), stock.p50(), stock.p99(), "1.00×", ratio(stock.rps(), viaNginx.rps()),
                ratio(stock.rps(), raw.rps()), errors(stock));
        s1.row("stock Spring Cloud Gateway, `" + loops + "`", stockLoops.rps(), stockLoops.p50(), stockLoops.p99(),
                ratio(stockLoops.rps(), stock.rps()), ratio(stockLoops.rps(), viaNginx.rps()), ratio(stockLoops.rps(), raw.rps()), errors(stockLoops));
        s1.row("**Isthmus**", isthmus.rps(), isthmus.p50(), isthmus.p99(), ratio(isthmus.rps(), stock.rps()),
                ratio(isthmus.rps(), viaNginx.rps()), ratio(isthmus.rps(), raw.rps()), errors(isthmus));
        report.put("s1.stock-loops.rps", stockLoops.rps());
        s1.note("Isthmus runs one Reactor Netty event loop per CPU (its default, `IsthmusApplication`); stock SCG as the anchor ships"
                + " runs Reactor Netty's default of at least 4. The `" + loops + "` row is the anchor with Isthmus' setting, to"
                + " compare like with like.");

        report.put("s4.direct.p99", directRate.p99());
        report.put("s4.nginx.p99", nginxRate.p99());
        report.put("s4.isthmus.p99", isthmusRate.p99());
        report.put("s4.stock.p99", stockRate.p99());
        rateRow(s4, "upstream direct", directRate, directRate);
        rateRow(s4, "nginx proxy", nginxRate, directRate);
        rateRow(s4, "stock Spring Cloud Gateway", stockRate, directRate);
        rateRow(s4, "**Isthmus**", isthmusRate, directRate);
    }

    private void rateRow(BenchReport.Table t, String name, RateResult r, RateResult direct) {
        t.row(name, r.p50(), r.p99(), r.p999(), r.max(), r.p50() - direct.p50(), r.p99() - direct.p99(), r.p999() - direct.p999(),
                String.format(Locale.ROOT, "%.2f%% of %d", 100 * r.successRatio(), r.requests()));
    }

    // --- scenario 2 (and the many-routes half of 6) --------------------------------------------------

    private void manyRoutes(Nginx nginx) throws Exception {
        int n = c.manyRoutes();
        BenchReport.Table s2 = report.table("s2", "2. " + String.format(Locale.ROOT, "%,d", n) + " routes",
                "wrk as in 1, against the first (`/svc-0/`), middle and last route of " + n
                        + " path routes. Isthmus: a routes file; stock SCG: `gen-routes.py`. \"of 1 route\": against the same gateway's"
                        + " one-route throughput in 1.",
                "target", "route", "req/s", "p50 ms", "p99 ms", "of 1 route", "errors");
        int[] which = { 0, n / 2, n - 1 };
        String[] names = { "first", "middle", "last" };
        try (Jvm g = isthmus("isthmus-" + n, nginx, n, List.of())) {
            report.put("s6.isthmus.many.startup.ms", g.startupMillis);
            warm(g, "/svc-" + (n - 1) + "/");
            if (c.runs("2")) {
                for (int i = 0; i < which.length; i++) {
                    WrkResult r = load(g.url("/svc-" + which[i] + "/"));
                    report.put("s2.isthmus." + names[i] + ".rps", r.rps());
                    s2.row("**Isthmus**", names[i] + " (`/svc-" + which[i] + "/`)", r.rps(), r.p50(), r.p99(),
                            percentOf(r.rps(), "s1.isthmus.rps"), errors(r));
                }
            }
            memory(g, "isthmus", n);
        }
        try (Jvm g = stock("stock-" + n, nginx, n)) {
            report.put("s6.stock.many.startup.ms", g.startupMillis);
            warm(g, "/svc-" + (n - 1) + "/");
            if (c.runs("2")) {
                for (int i = 0; i < which.length; i++) {
                    WrkResult r = load(g.url("/svc-" + which[i] + "/"));
                    report.put("s2.stock." + names[i] + ".rps", r.rps());
                    s2.row("stock Spring Cloud Gateway", names[i] + " (`/svc-" + which[i] + "/`)", r.rps(), r.p50(), r.p99(),
                            percentOf(r.rps(), "s1.stock.rps"), errors(r));
                }
            }
            memory(g, "stock", n);
        }
    }

    private String percentOf(double v, String key) {
        Double base = report.get(key);
        return base == null ? "—" : percent(v, base);
    }

    // --- scenario 3 ----------------------------------------------------------------------------------

    static final String ISTHMUS_POLICIES = """
            routes:
              - name: policies
                match: {path: {prefix: /api/}}
                rewrite: {prefix: /v2/}
                requestHeaders: {set: {X-Gateway: isthmus}, add: {X-Bench: "1"}, remove: [Cookie]}
                responseHeaders: {set: {X-Served-By: isthmus}, remove: [X-Powered-By]}
                retries: {attempts: 2, "on": [connect-failure, gateway-error, 5xx], perTryTimeout: 3s, backoff: 50ms}
                circuitBreaker: {failureRateThreshold: 50, slowCallDurationThreshold: 2s, minimumCalls: 20, openDuration: 30s}
                backends: [{url: "UPSTREAM"}]
            """;

    // $\{rest}: Spring would resolve ${rest} as a property placeholder (Spring Cloud Gateway's documented escape)
    static final String STOCK_POLICIES = """
            spring.cloud.gateway.server.webflux.routes:
              - id: policies
                uri: UPSTREAM
                predicates: ["Path=/api/**"]
                filters:
                  - RewritePath=/api/(?<rest>.*), /v2/$\\{rest}
                  - SetRequestHeader=X-Gateway, isthmus
                  - AddRequestHeader=X-Bench, 1
                  - RemoveRequestHeader=Cookie
                  - SetResponseHeader=X-Served-By, isthmus
                  - RemoveResponseHeader=X-Powered-By
                  - name: Retry
                    args:
                      retries: 2
                      statuses: BAD_GATEWAY,SERVICE_UNAVAILABLE,GATEWAY_TIMEOUT
                      series: SERVER_ERROR
                      methods: GET,HEAD,OPTIONS,PUT,DELETE
                      exceptions: java.io.IOException,java.util.concurrent.TimeoutException
                      backoff: {firstBackoff: 50ms, maxBackoff: 400ms, factor: 2, basedOnPreviousValue: true}
            """;

    private void policies(Nginx nginx) throws Exception {
        BenchReport.Table s3 = report.table("s3", "3. Route with rewrite, header operations, retry and circuit breaker",
                "wrk as in 1, against `/api/items/42` (rewritten to `/v2/items/42`).", "target", "configured", "req/s", "p50 ms",
                "p99 ms", "of its 1-route plain", "errors");
        s3.note("Isthmus route:\n\n```yaml\n" + ISTHMUS_POLICIES.replace("UPSTREAM", "http://127.0.0.1:<upstream>") + "```\n\n"
                + "Stock SCG route (the closest it has without extra dependencies: its `CircuitBreaker` filter needs"
                + " `spring-cloud-starter-circuitbreaker-reactor-resilience4j`, which the anchor does not have):\n\n```yaml\n"
                + STOCK_POLICIES.replace("UPSTREAM", "http://127.0.0.1:<upstream>") + "```");
        String up = nginx.upstreamUrl();
        Path dir = c.work().resolve("isthmus-policies");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("routes.yaml"), ISTHMUS_POLICIES.replace("UPSTREAM", up));
        try (Jvm g = isthmusWithRoutesFile("isthmus-policies", dir, "/api/items/42", List.of())) {
            warm(g, "/api/items/42");
            WrkResult r = load(g.url("/api/items/42"));
            report.put("s3.isthmus.rps", r.rps());
            s3.row("**Isthmus**", "rewrite, 3 request + 2 response header edits, retry (2), circuit breaker", r.rps(), r.p50(), r.p99(),
                    percentOf(r.rps(), "s1.isthmus.rps"), errors(r));
        }
        Path sdir = c.work().resolve("stock-policies");
        Files.createDirectories(sdir);
        Files.writeString(sdir.resolve("routes.yml"), STOCK_POLICIES.replace("UPSTREAM", up));
        try (Jvm g = stockWithRoutesFile("stock-policies", sdir, "/api/items/42", List.of(), BenchTools.stockJar())) {
            warm(g, "/api/items/42");
            WrkResult r = load(g.url("/api/items/42"));
            report.put("s3.stock.rps", r.rps());
            s3.row("stock Spring Cloud Gateway", "rewrite, 3 request + 2 response header edits, retry (2); no circuit breaker", r.rps(),
                    r.p50(), r.p99(), percentOf(r.rps(), "s1.stock.rps"), errors(r));
        }
    }

    // --- scenario 8 ---------------------------------------------------------------------------------

    /**
     * What auth.jwt costs: a plain route and a JWT route (RS256, issuer, audience and one claim copied
     * to a header) in one Isthmus JVM, measured alternately. Stock Spring Cloud Gateway has no per-route
     * JWT check without Spring Security's web filter chain (a different set-up), so the comparison is
     * with Isthmus' own plain route.
     */
    private void authentication(Nginx nginx) throws Exception {
        BenchReport.Table s8 = report.table("s8", "8. Authentication: a JWT route against a plain route",
                "wrk as in 1, one Isthmus JVM with both routes, measured alternately; every request of the JWT route carries a valid RS256"
                        + " token (2048-bit key, verified on every request: signature, exp, iss, aud; `sub` copied to `X-User`).",
                "route", "req/s", "p50 ms", "p99 ms", "of plain", "errors");
        com.nimbusds.jose.jwk.RSAKey key = dev.isthmus.testsupport.Tokens.rsaKey("bench-1");
        try (dev.isthmus.testsupport.JwksServer idp = dev.isthmus.testsupport.JwksServer.start(key)) {
            Path dir = c.work().resolve("isthmus-jwt");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("routes.yaml"), """
                    routes:
                      - {name: plain, match: {path: {prefix: /svc-0/}}, backends: [{url: "%1$s"}]}
                      - name: jwt
                        match: {path: {prefix: /svc-1/}}
                        backends: [{url: "%1$s"}]
                        auth: {jwt: {issuer: "https://idp.bench/", jwksUri: "%2$s", audiences: [bench], claimsToHeaders: {sub: X-User}}}
                    """.formatted(nginx.upstreamUrl(), idp.jwksUri()));
            String token = dev.isthmus.testsupport.Tokens.sign(key, dev.isthmus.testsupport.Tokens.claims("https://idp.bench/", "bench-user",
                    List.of("bench"), java.util.Map.of()).build());
            List<String> auth = List.of("Authorization: Bearer " + token);
            int rounds = c.smoke() ? 1 : 2;
            List<WrkResult> plainRuns = new ArrayList<>();
            List<WrkResult> jwtRuns = new ArrayList<>();
            try (Jvm g = isthmusWithRoutesFile("isthmus-jwt", dir, "/svc-0/", List.of())) {
                warm(g, "/svc-0/");
                BenchTools.wrk(g.url("/svc-1/"), c.threads(), c.connections(), c.jvmWarmup(), auth);
                WrkResult check = BenchTools.wrk(g.url("/svc-1/"), 1, 1, Duration.ofSeconds(1));
                if (check.non2xx() == 0) {
                    throw new IllegalStateException("the JWT route answered 2xx without a token: the scenario would measure nothing");
                }
                for (int round = 1; round <= rounds; round++) {
                    plainRuns.add(load(g.url("/svc-0/")));
                    jwtRuns.add(load(g.url("/svc-1/"), auth));
                }
            }
            WrkResult plain = BenchTools.mean(plainRuns);
            WrkResult jwt = BenchTools.mean(jwtRuns);
            report.put("s8.plain.rps", plain.rps());
            report.put("s8.jwt.rps", jwt.rps());
            s8.row("plain", plain.rps(), plain.p50(), plain.p99(), "100%", errors(plain));
            s8.row("**auth.jwt**", jwt.rps(), jwt.p50(), jwt.p99(), percent(jwt.rps(), plain.rps()), errors(jwt));
            s8.note("Every run's req/s: plain " + each(plainRuns) + "; auth.jwt " + each(jwtRuns) + ".");
        }
    }

    // --- scenario 6 ---------------------------------------------------------------------------------

    private void memory(Jvm g, String who, int routes) throws IOException, InterruptedException {
        String k = "s6." + who + "." + (routes == 1 ? "1" : "many");
        report.put(k + ".rss", g.rssMiB());
        report.put(k + ".heap", g.heapAfterGcMiB());
    }

    private void startup(Nginx nginx) throws Exception {
        int n = c.manyRoutes();
        BenchReport.Table s6 = report.table("s6", "6. Memory and start-up",
                "Start-up: from starting the JVM to the first proxied 200 (polling every 10 ms; for " + n
                        + " routes, the last route). Memory: after the load of scenarios 1 and 2; heap = in use after a full GC"
                        + " (`jcmd GC.run`, `GC.heap_info`). AppCDS (JDK 17): the jar extracted (`-Djarmode=tools extract`), a training run"
                        + " with `-XX:ArchiveClassesAtExit -Dspring.context.exit=onRefresh`, then `-XX:SharedArchiveFile`.",
                "target", "routes", "start-up ms (jar)", "start-up ms (AppCDS)", "RSS MiB", "heap after GC MiB");
        s6.note("Spring AOT (`process-aot`) is not measured: it fixes bean conditions at build time, and Isthmus turns its"
                + " Kubernetes, Consul, Redis and access-log beans on by `@ConditionalOnProperty` at run time, so an AOT build would"
                + " serve only the build's own configuration.");

        Path isthmusCds = cds("isthmus", BenchTools.isthmusJar(), nginx);
        Path stockCds = cds("stock", BenchTools.stockJar(), nginx);
        // the smoke test starts each JVM kind once with AppCDS (the many-routes starts add minutes, not coverage)
        int[] counts = c.smoke() ? new int[] { 1 } : new int[] { 1, n };
        for (String who : List.of("isthmus", "stock")) {
            for (int routes : counts) {
                String k = "s6." + who + "." + (routes == 1 ? "1" : "many");
                Path cdsDir = who.equals("isthmus") ? isthmusCds : stockCds;
                long withCds;
                try (Jvm g = who.equals("isthmus") ? isthmusCds(cdsDir, nginx, routes) : stockCds(cdsDir, nginx, routes)) {
                    withCds = g.startupMillis;
                }
                report.put(k + ".startup.cds.ms", withCds);
                Double plain = report.get(k + ".startup.ms");
                s6.row(who.equals("isthmus") ? "**Isthmus**" : "stock Spring Cloud Gateway", routes, plain, (double) withCds,
                        report.get(k + ".rss"), report.get(k + ".heap"));
            }
            if (c.smoke()) {
                String k = "s6." + who + ".many";
                s6.row(who.equals("isthmus") ? "**Isthmus**" : "stock Spring Cloud Gateway", n, report.get(k + ".startup.ms"), null,
                        report.get(k + ".rss"), report.get(k + ".heap"));
            }
        }
        if (c.smoke()) {
            return;
        }
        // the heap target: 10,000 routes served from a 256 MB heap
        try (Jvm g = isthmus("isthmus-" + n + "-xmx256m", nginx, n, List.of("-Xmx256m"))) {
            report.put("s6.isthmus.many.xmx256.startup.ms", g.startupMillis);
            warm(g, "/svc-" + (n - 1) + "/");
            WrkResult r = load(g.url("/svc-" + (n - 1) + "/"));
            s6.row("**Isthmus**, `-Xmx256m`", n, (double) g.startupMillis, null, g.rssMiB(), g.heapAfterGcMiB());
            s6.note(String.format(Locale.ROOT, "With `-Xmx256m` and %d routes Isthmus served the last route at %,.0f req/s (%s).", n,
                    r.rps(), errors(r)));
        }
    }

    /** Extracts the jar and trains a CDS archive on it; returns the directory. */
    private Path cds(String who, Path jar, Nginx nginx) throws Exception {
        Path dir = c.work().resolve("cds-" + who);
        BenchTools.run(List.of("rm", "-rf", dir.toString()), Duration.ofSeconds(30));
        Files.createDirectories(dir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        BenchTools.run(List.of(java, "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination", dir.resolve("app").toString()),
                Duration.ofMinutes(2));
        Path extracted = dir.resolve("app").resolve(jar.getFileName());
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:ArchiveClassesAtExit=" + dir.resolve("app.jsa"),
                "-Dspring.context.exit=onRefresh", "-jar", extracted.toString()));
        cmd.addAll(who.equals("isthmus") ? isthmusArgs(RealInfra.freePort(), dir) : stockArgs(RealInfra.freePort(), dir));
        if (who.equals("isthmus")) {
            writeIsthmusRoutes(dir, nginx, 1);
        }
        else {
            writeStockRoutes(dir, nginx, 1);
        }
        new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("training.log").toFile())
                .start().waitFor();
        if (!Files.isRegularFile(dir.resolve("app.jsa"))) {
            throw new IllegalStateException("no CDS archive for " + who + ": " + Files.readString(dir.resolve("training.log")));
        }
        return dir;
    }

    private Jvm isthmusCds(Path cdsDir, Nginx nginx, int routes) throws IOException {
        Path dir = c.work().resolve("isthmus-cds-" + routes);
        Files.createDirectories(dir);
        writeIsthmusRoutes(dir, nginx, routes);
        List<String> jvm = new ArrayList<>(c.jvmArgs());
        jvm.add("-XX:SharedArchiveFile=" + cdsDir.resolve("app.jsa"));
        return startWithFreshPorts(port -> Jvm.start("isthmus-cds-" + routes, dir, jvm, cdsDir.resolve("app/isthmus.jar"),
                isthmusArgs(port, dir), port, "/svc-" + (routes - 1) + "/", Duration.ofSeconds(180)));
    }

    private Jvm stockCds(Path cdsDir, Nginx nginx, int routes) throws IOException {
        Path dir = c.work().resolve("stock-cds-" + routes);
        Files.createDirectories(dir);
        writeStockRoutes(dir, nginx, routes);
        List<String> jvm = new ArrayList<>(c.jvmArgs());
        jvm.add("-XX:SharedArchiveFile=" + cdsDir.resolve("app.jsa"));
        return startWithFreshPorts(port -> Jvm.start("stock-cds-" + routes, dir, jvm, cdsDir.resolve("app/stock-scg.jar"),
                stockArgs(port, dir), port, "/svc-" + (routes - 1) + "/", Duration.ofSeconds(300)));
    }

    // --- JMH -----------------------------------------------------------------------------------------

    private void jmh() throws Exception {
        var options = new OptionsBuilder().include(RouteLookupBenchmark.class.getName() + "\\.").param("routes", "1", "100", "10000")
                .forks(c.smoke() ? 0 : 1).warmupIterations(c.smoke() ? 1 : 3).measurementIterations(c.smoke() ? 1 : 5)
                .warmupTime(TimeValue.milliseconds(c.smoke() ? 200 : 1000)).measurementTime(TimeValue.milliseconds(c.smoke() ? 200 : 1000))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        BenchReport.Table t = report.table("jmh", "JMH: route lookup",
                "`bench/jmh.sh RouteLookupBenchmark` (" + (c.smoke() ? "smoke: 1×200 ms" : "3×1 s warm-up, 5×1 s measurement, 1 fork")
                        + "), ns per lookup. Isthmus' index against Spring Cloud Gateway's linear scan of Path predicates to the last route.",
                "routes", "Isthmus, first route", "Isthmus, last route", "SCG scan to the last route");
        for (String routes : List.of("1", "100", "10000")) {
            Double first = null;
            Double last = null;
            Double scan = null;
            for (RunResult r : results) {
                if (!routes.equals(r.getParams().getParam("routes"))) {
                    continue;
                }
                String name = r.getParams().getBenchmark();
                double score = r.getPrimaryResult().getScore();
                if (name.endsWith("isthmusFirstRoute")) {
                    first = score;
                }
                else if (name.endsWith("isthmusLastRoute")) {
                    last = score;
                }
                else if (name.endsWith("springCloudGatewayScanToLastRoute")) {
                    scan = score;
                }
            }
            report.put("jmh." + routes + ".isthmus.last", last == null ? Double.NaN : last);
            report.put("jmh." + routes + ".scg.scan", scan == null ? Double.NaN : scan);
            t.row(routes, first, last, scan);
        }
    }

    // --- targets -------------------------------------------------------------------------------------

    private void targets() {
        Double isthmus = report.get("s1.isthmus.rps");
        Double stock = report.get("s1.stock.rps");
        Double nginx = report.get("s1.nginx.rps");
        if (isthmus != null && stock != null && nginx != null) {
            Double loops = report.get("s1.stock-loops.rps");
            report.target("Throughput, one route ≥ 2× stock SCG", ratio(isthmus, stock) + (loops == null ? ""
                    : " (" + ratio(isthmus, loops) + " against stock SCG with Isthmus' event-loop setting)"), isthmus >= 2 * stock);
            report.target("Throughput, one route ≥ 50% of nginx", percent(isthmus, nginx), isthmus >= 0.5 * nginx);
            Double raw = report.get("s1.raw.rps");
            if (raw != null) {
                report.target("Throughput, one route ≥ 50% of the raw Reactor Netty proxy (transport ceiling)", percent(isthmus, raw),
                        isthmus >= 0.5 * raw);
            }

        }
        Double p99 = report.get("s4.isthmus.p99");
        Double nginxP99 = report.get("s4.nginx.p99");
        if (p99 != null && nginxP99 != null) {
            report.target("p99 at " + c.rate() + " req/s ≤ 2× nginx's", String.format(Locale.ROOT, "%.2f ms vs %.2f ms (%s)", p99, nginxP99,
                    ratio(p99, nginxP99)), p99 <= 2 * nginxP99);
        }
        Double last = report.get("s2.isthmus.last.rps");
        if (last != null && isthmus != null) {
            Double stockLast = report.get("s2.stock.last.rps");
            report.target(String.format(Locale.ROOT, "%,d routes: last route ≥ 90%% of one-route throughput", c.manyRoutes()),
                    percent(last, isthmus) + (stockLast != null && stock != null ? " (stock SCG: " + percent(stockLast, stock) + ")" : ""),
                    last >= 0.9 * isthmus);
        }
        for (String source : Propagation.SOURCES) {
            Double sp99 = report.get("s5." + source + ".p99");
            if (sp99 != null) {
                report.target("Propagation p99 ≤ 1 s (aim ≤ 100 ms): " + source, String.format(Locale.ROOT, "%.0f ms", sp99), sp99 <= 1000);
            }
        }
        Double heap = report.get("s6.isthmus.many.heap");
        if (heap != null) {
            report.target(String.format(Locale.ROOT, "%,d routes in ≤ 256 MB heap", c.manyRoutes()),
                    String.format(Locale.ROOT, "%.0f MiB after full GC", heap), heap <= 256);
        }
        Double ready = report.get("s6.isthmus.many.startup.ms");
        if (ready != null) {
            report.target(String.format(Locale.ROOT, "Ready in ≤ 5 s with %,d routes", c.manyRoutes()),
                    String.format(Locale.ROOT, "%.0f ms (jar); %s (AppCDS)", ready, fmtMs(report.get("s6.isthmus.many.startup.cds.ms"))),
                    ready <= 5000);
        }
    }

    private static String fmtMs(Double v) {
        return v == null ? "—" : String.format(Locale.ROOT, "%.0f ms", v);
    }

    // --- helpers -------------------------------------------------------------------------------------

    /** A freshly started JVM: the same closed-loop load, unmeasured, until the JIT has compiled the request path. */
    private void warm(Jvm g, String path) throws IOException, InterruptedException {
        BenchTools.wrk(g.url(path), c.threads(), c.connections(), c.jvmWarmup());
    }

    /** wrk after a warm-up of the same. */
    private WrkResult load(String url) throws IOException, InterruptedException {
        return load(url, List.of());
    }

    private WrkResult load(String url, List<String> headers) throws IOException, InterruptedException {
        BenchTools.wrk(url, c.threads(), c.connections(), c.warmup(), headers);
        WrkResult r = BenchTools.wrk(url, c.threads(), c.connections(), c.duration(), headers);
        System.out.printf(Locale.ROOT, "[bench] %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms%s%n", url, r.rps(), r.p50(), r.p99(),
                r.clean() ? "" : " (" + errors(r) + ")");
        return r;
    }

    private RateResult rate(String url, String name) throws IOException, InterruptedException {
        Path work = c.work().resolve("vegeta-" + name);
        BenchTools.vegeta(url, c.rate(), c.rateWarmup(), work);
        RateResult r = BenchTools.vegeta(url, c.rate(), c.rateDuration(), work);
        System.out.printf(Locale.ROOT, "[bench] %s at %d/s: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, success %.4f%n", url, c.rate(),
                r.p50(), r.p99(), r.p999(), r.successRatio());
        return r;
    }

    private static String each(List<WrkResult> runs) {
        List<String> out = new ArrayList<>();
        for (WrkResult r : runs) {
            out.add(String.format(Locale.ROOT, "%,.0f", r.rps()));
        }
        return String.join(" / ", out);
    }

    private static String errors(WrkResult r) {
        if (r.clean()) {
            return "0";
        }
        return (r.non2xx() > 0 ? r.non2xx() + " non-2xx" : "") + (r.non2xx() > 0 && r.socketErrors() > 0 ? ", " : "")
                + (r.socketErrors() > 0 ? r.socketErrors() + " socket errors" : "");
    }

    static List<String> isthmusArgs(int port, Path dir) {
        return List.of("--server.port=" + port, "--management.server.port=" + RealInfra.freePort(),
                "--isthmus.file.path=" + dir.resolve("routes.yaml"));
    }

    static List<String> stockArgs(int port, Path dir) {
        return List.of("--server.port=" + port, "--spring.config.additional-location=file:" + dir.resolve("routes.yml"));
    }

    static void writeIsthmusRoutes(Path dir, Nginx nginx, int n) throws IOException {
        StringBuilder yaml = new StringBuilder("routes:\n");
        for (int i = 0; i < n; i++) {
            yaml.append("  - {name: r").append(i).append(", match: {path: {prefix: /svc-").append(i).append("/}}, backends: [{url: \"")
                    .append(nginx.upstreamUrl()).append("\"}]}\n");
        }
        Files.writeString(dir.resolve("routes.yaml"), yaml);
    }

    /** The anchor's own generator, so stock SCG's routes are exactly the anchor's. */
    static void writeStockRoutes(Path dir, Nginx nginx, int n) throws IOException {
        try {
            BenchTools.run(List.of("python3", BenchTools.anchors().resolve("stock-scg/gen-routes.py").toString(), String.valueOf(n),
                    nginx.upstreamUrl(), dir.resolve("routes.yml").toString()), Duration.ofMinutes(1));
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private Jvm isthmus(String name, Nginx nginx, int routes, List<String> extraJvm) throws IOException {
        Path dir = c.work().resolve(name);
        Files.createDirectories(dir);
        writeIsthmusRoutes(dir, nginx, routes);
        return isthmusWithRoutesFile(name, dir, "/svc-" + (routes - 1) + "/", extraJvm);
    }

    private Jvm isthmusWithRoutesFile(String name, Path dir, String probe, List<String> extraJvm) throws IOException {
        List<String> jvm = new ArrayList<>(c.jvmArgs());
        jvm.addAll(extraJvm);
        return startWithFreshPorts(port -> Jvm.start(name, dir, jvm, BenchTools.isthmusJar(), isthmusArgs(port, dir), port, probe,
                Duration.ofSeconds(180)));
    }

    /** Free ports are only free when chosen: if another process took one meanwhile, start once more on new ones. */
    private static Jvm startWithFreshPorts(PortStart start) throws IOException {
        Jvm g;
        try {
            g = start.on(RealInfra.freePort());
        }
        catch (IllegalStateException e) {
            if (e.getMessage() == null || !e.getMessage().contains("already in use")) {
                throw e;
            }
            g = start.on(RealInfra.freePort());
        }
        System.out.printf(Locale.ROOT, "[bench] %s: first proxied response %d ms after start%n", g.name, g.startupMillis);
        return g;
    }

    private interface PortStart {
        Jvm on(int port) throws IOException;
    }

    /** The raw Reactor Netty proxy to the upstream; it proxies every path. */
    private Jvm raw(String name, Nginx nginx, List<String> extraJvm) throws IOException {
        Path dir = c.work().resolve(name);
        Files.createDirectories(dir);
        List<String> jvm = new ArrayList<>(c.jvmArgs());
        jvm.addAll(extraJvm);
        return startWithFreshPorts(port -> Jvm.start(name, dir, jvm, BenchTools.rawProxyJar(), List.of(String.valueOf(port), nginx.upstreamUrl()),
                port, "/svc-0/", Duration.ofSeconds(120)));
    }

    private Jvm stock(String name, Nginx nginx, int routes) throws IOException {
        return stock(name, nginx, routes, List.of());
    }

    private Jvm stock(String name, Nginx nginx, int routes, List<String> extraJvm) throws IOException {
        Path dir = c.work().resolve(name);
        Files.createDirectories(dir);
        writeStockRoutes(dir, nginx, routes);
        return stockWithRoutesFile(name, dir, "/svc-" + (routes - 1) + "/", extraJvm, BenchTools.stockJar());
    }

    private Jvm stockWithRoutesFile(String name, Path dir, String probe, List<String> extraJvm, Path jar) throws IOException {
        List<String> jvm = new ArrayList<>(c.jvmArgs());
        jvm.addAll(extraJvm);
        return startWithFreshPorts(port -> Jvm.start(name, dir, jvm, jar, stockArgs(port, dir), port, probe, Duration.ofSeconds(300)));
    }
}
