package dev.isthmus.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.cloud.gateway.handler.predicate.PathRoutePredicateFactory;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.runtime.RouteIndex;
import dev.isthmus.source.RoutesDocumentParser;
import dev.isthmus.compile.policy.BuiltInPolicies;

/**
 * Route lookup cost against the number of routes: Isthmus' index, and for contrast the linear
 * scan of Spring Cloud Gateway's route predicate handler mapping (each route's Path predicate
 * tested in order, the target route last). Run with {@code bench/jmh.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteLookupBenchmark {

    @Param({ "1", "100", "10000" })
    int routes;

    RouteIndex<CompiledRoute> index;
    String firstPath;
    String lastPath;
    List<java.util.function.Predicate<ServerWebExchange>> scgPredicates;
    ServerWebExchange lastExchange;

    @Setup
    public void setup() throws Exception {
        StringBuilder yaml = new StringBuilder("routes:\n");
        for (int i = 0; i < routes; i++) {
            yaml.append("  - {name: r").append(i).append(", hosts: [api.example.com], match: {path: {prefix: /svc-").append(i)
                    .append("/}}, backends: [{url: \"http://127.0.0.1:9\"}]}\n");
        }
        var parsed = RoutesDocumentParser.parse(yaml.toString(), ObjectRef.file("bench"), 1, n -> "file/" + n, n -> Instant.EPOCH);
        index = RouteIndex.build(new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(parsed.routes(), parsed.problems()).routes(), c -> c);
        firstPath = "/svc-0/items/42";
        lastPath = "/svc-" + (routes - 1) + "/items/42";

        PathRoutePredicateFactory factory = new PathRoutePredicateFactory(new org.springframework.boot.webflux.autoconfigure.WebFluxProperties());
        scgPredicates = new ArrayList<>();
        for (int i = 0; i < routes; i++) {
            scgPredicates.add(factory.apply(new PathRoutePredicateFactory.Config().setPatterns(List.of("/svc-" + i + "/**"))));
        }
        lastExchange = MockServerWebExchange.from(MockServerHttpRequest.get("http://api.example.com" + lastPath));
    }

    @Benchmark
    public CompiledRoute isthmusFirstRoute() {
        return index.find("api.example.com", firstPath, r -> true);
    }

    @Benchmark
    public CompiledRoute isthmusLastRoute() {
        return index.find("api.example.com", lastPath, r -> true);
    }

    @Benchmark
    public int springCloudGatewayScanToLastRoute() {
        for (int i = 0; i < scgPredicates.size(); i++) {
            if (scgPredicates.get(i).test(lastExchange)) {
                return i;
            }
        }
        return -1;
    }
}
