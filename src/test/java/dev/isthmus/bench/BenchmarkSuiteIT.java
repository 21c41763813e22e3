package dev.isthmus.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.RealInfra;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark suite in smoke mode (second-long runs, small route counts): that every scenario
 * runs end to end against the real processes (Isthmus' jar, stock Spring Cloud Gateway, the raw
 * Reactor Netty proxy, nginx, wrk, vegeta, Consul, kube-apiserver) and reports positive numbers. It
 * asserts nothing about how large they are: CI machines are shared, and a timed assertion would
 * only measure the neighbours.
 */
class BenchmarkSuiteIT {

    @Test
    void everyScenarioReportsNumbers() throws Exception {
        List<String> missing = BenchTools.missing();
        if (!missing.isEmpty()) {
            RealInfra.unavailable("the benchmark tools", String.join(", ", missing) + "; run bench/setup.sh (scripts/test.sh does)");
        }
        Path work = Path.of("target/bench-smoke").toAbsolutePath();
        Path out = work.resolve("benchmarks.md");
        BenchReport report = new BenchmarkSuite(BenchmarkSuite.Config.smoke(work, out)).run();

        List<String> expected = new ArrayList<>();
        for (String t : List.of("direct", "nginx", "isthmus", "stock")) {
            expected.add("s1." + t + ".rps");
            expected.add("s4." + t + ".p99");
        }
        for (String t : List.of("isthmus", "stock")) {
            for (String route : List.of("first", "middle", "last")) {
                expected.add("s2." + t + "." + route + ".rps");
            }
            expected.add("s3." + t + ".rps");
            for (String routes : List.of("1", "many")) {
                for (String m : List.of("startup.ms", "rss", "heap")) {
                    expected.add("s6." + t + "." + routes + "." + m);
                }
            }
            expected.add("s6." + t + ".1.startup.cds.ms"); // smoke: AppCDS with one route only
        }
        expected.add("s1.stock-loops.rps");
        expected.add("s1.raw.rps");
        expected.add("s8.plain.rps");
        expected.add("s8.jwt.rps");
        for (String mode : List.of("off", "on-0.1", "on-1.0")) {
            expected.add("s7." + mode + ".rps");
            expected.add("s7." + mode + ".cpu.us");
        }
        expected.add("s5.file.p50");
        expected.add("s5.file.p99");
        // the Kubernetes and Consul sources are measured where this build has them
        if (present("dev.isthmus.source.kubernetes.GatewayRouteSource")) {
            expected.add("s5.gatewayroute.p99");
        }
        if (present("dev.isthmus.source.consul.ConsulRouteSource")) {
            expected.add("s5.consul.p99");
        }
        for (String routes : List.of("1", "100", "10000")) {
            expected.add("jmh." + routes + ".isthmus.last");
            expected.add("jmh." + routes + ".scg.scan");
        }
        for (String key : expected) {
            assertThat(report.get(key)).as(key).isNotNull().isPositive();
        }
        if (present("dev.isthmus.source.consul.ConsulRouteSource")) {
            // zero when no request reached the instance after its check failed
            assertThat(report.get("s5.consul-critical.p99")).as("s5.consul-critical.p99").isNotNull().isNotNegative();
        }

        String md = Files.readString(out);
        for (String section : List.of("## Targets", "## 1. One route", "## 2. ", "## 3. Route with", "## 4. Fixed-rate", "## 5. Propagation",
                "## 6. Memory and start-up", "## 7. Tracing", "## JMH", "Machine: ", "JDK: ", "Load average")) {
            assertThat(md).contains(section);
        }
        assertThat(md).contains("| **Isthmus** |").contains("| stock Spring Cloud Gateway |").contains("| nginx proxy |")
                .contains("| upstream direct").contains("| raw Reactor Netty proxy (transport ceiling)");
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, BenchmarkSuiteIT.class.getClassLoader());
            return true;
        }
        catch (ClassNotFoundException e) {
            return false;
        }
    }
}
