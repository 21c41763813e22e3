package dev.isthmus.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.cloud.circuitbreaker.resilience4j.ReactiveResilience4JCircuitBreakerFactory;
import org.springframework.cloud.circuitbreaker.resilience4j.Resilience4JConfigurationProperties;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AddRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.AddResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.PreserveHostHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RemoveRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RemoveResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RetryGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RewritePathGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetPathGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetRequestHostHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SpringCloudCircuitBreakerResilience4JFilterFactory;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.reactive.DispatcherHandler;

import dev.isthmus.compile.CompileGoldenTest;
import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.compile.policy.BuiltInPolicies;
import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.runtime.ActiveRoute.RouteRuntime;
import dev.isthmus.runtime.filter.DeadlineGatewayFilterFactory;
import dev.isthmus.runtime.filter.MirrorGatewayFilterFactory;
import dev.isthmus.runtime.filter.RegexPathRewriteGatewayFilterFactory;
import dev.isthmus.runtime.filter.RequestRedirectGatewayFilterFactory;
import dev.isthmus.runtime.filter.WebsocketGuardGatewayFilterFactory;
import dev.isthmus.runtime.auth.AccessGuards;
import dev.isthmus.runtime.auth.AuthMetrics;
import dev.isthmus.runtime.auth.BcryptVerifier;
import dev.isthmus.runtime.auth.CredentialStore;
import dev.isthmus.runtime.auth.ForwardAuthCache;
import dev.isthmus.runtime.auth.JwksRegistry;
import dev.isthmus.runtime.policy.AccessContributor;
import dev.isthmus.runtime.policy.CircuitBreakerContributor;
import dev.isthmus.runtime.policy.CompressionContributor;
import dev.isthmus.runtime.policy.CorsContributor;
import dev.isthmus.runtime.policy.ForwardedHeadersContributor;
import dev.isthmus.runtime.policy.HeaderEditsContributor;
import dev.isthmus.runtime.policy.HostHeaderContributor;
import dev.isthmus.runtime.policy.LoadBalancingContributor;
import dev.isthmus.runtime.policy.MirrorContributor;
import dev.isthmus.runtime.policy.RateLimitContributor;
import dev.isthmus.runtime.policy.RequestBodyLimitContributor;
import dev.isthmus.runtime.policy.RetryContributor;
import dev.isthmus.runtime.policy.RewriteContributor;
import dev.isthmus.runtime.policy.TimeoutsContributor;
import dev.isthmus.runtime.policy.WebsocketContributor;
import dev.isthmus.runtime.ratelimit.LocalRateLimiterProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The second golden stage (Envoy Gateway's xds-ir tests): compiled IR to the Spring Cloud Gateway
 * route each accepted route becomes, rendered as text: its predicate, metadata, CORS, backends and
 * its filters in order, as {@code /actuator/gateway} prints them. Every compile case
 * ({@code src/test/resources/compile/NAME.in.yaml}) has one, in {@code src/test/resources/chain/NAME.out.yaml}.
 * Regenerate with {@code -Dgolden.update=true} and review the diff. Global filters are left out
 * (they are the same on every route, and come from the application context).
 */
class FilterChainGoldenTest {

    static final Path DIR = Path.of("src/test/resources/chain");

    static Stream<String> cases() throws IOException {
        return CompileGoldenTest.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersAsRecorded(String name) throws IOException {
        CompileResult result = CompileGoldenTest.compile(CompileGoldenTest.YAML.readTree(CompileGoldenTest.DIR.resolve(name + ".in.yaml").toFile()));
        RouteMaterializer materializer = materializer();
        List<Map<String, Object>> out = new ArrayList<>();
        for (CompiledRoute route : result.routes()) {
            out.add(render(route, materializer.build(route)));
        }
        String actual = CompileGoldenTest.YAML.writeValueAsString(Map.of("routes", out))
                .replaceAll("@[0-9a-f]{5,}", "@<id>").replaceAll("\\$\\$Lambda[^,\\]\\s]*", "\\$\\$Lambda");
        Path expected = DIR.resolve(name + ".out.yaml");
        if (Boolean.getBoolean("golden.update") || !Files.exists(expected)) {
            Files.writeString(expected, actual);
        }
        assertThat(actual).as("filter chain of %s (regenerate with -Dgolden.update=true)", name).isEqualTo(Files.readString(expected));
        assertThat(actual).as("every filter of %s prints what it does, not a lambda", name).doesNotContain("$$Lambda");
    }

    private static Map<String, Object> render(CompiledRoute compiled, RouteRuntime runtime) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", compiled.id());
        m.put("predicate", runtime.route().getPredicate().toString());
        m.put("metadata", new TreeMap<>(runtime.route().getMetadata()));
        if (runtime.handler() instanceof RouteHandler.WithCors cors) {
            CorsConfiguration c = cors.getCorsConfiguration(null);
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("allowedOrigins", c.getAllowedOrigins());
            v.put("allowedOriginPatterns", c.getAllowedOriginPatterns());
            v.put("allowedMethods", c.getAllowedMethods());
            v.put("allowedHeaders", c.getAllowedHeaders());
            v.put("exposedHeaders", c.getExposedHeaders());
            v.put("allowCredentials", c.getAllowCredentials());
            v.put("maxAge", c.getMaxAge());
            m.put("cors", v);
        }
        if (runtime.backends() != null) {
            List<String> backends = runtime.backends().backends().stream()
                    .map(b -> b.target().display() + " weight " + b.weight() + " " + b.balancer().getClass().getSimpleName()
                            + (b.transport() == null ? "" : " " + b.transport())).toList();
            m.put("backends", backends);
            m.put("hostHeaderFromInstance", runtime.backends().autoHostHeader());
        }
        List<String> filters = new ArrayList<>();
        for (GatewayFilter f : runtime.route().getFilters()) {
            filters.add(f.toString());
        }
        m.put("filters", filters);
        return m;
    }

    /** Guards as the gateway builds them; nothing is fetched or read until a request needs it (Secrets: none here). */
    static final AccessGuards GUARDS = new AccessGuards(new JwksRegistry(HttpClient.create(), Duration.ofSeconds(1), Duration.ofMinutes(5),
            Duration.ofSeconds(10)), new CredentialStore(CredentialStore.SecretReader.DISABLED, Duration.ofHours(1)),
            new BcryptVerifier(1, 1, Duration.ofMinutes(1), 10), new ForwardAuthCache(10), HttpClient.create(), 1024);
    static final AuthMetrics METRICS = new AuthMetrics(null);

    static RouteMaterializer materializer() {
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
        TimeLimiterRegistry timeLimiters = TimeLimiterRegistry.ofDefaults();
        var cbFactory = new SpringCloudCircuitBreakerResilience4JFilterFactory(
                new ReactiveResilience4JCircuitBreakerFactory(breakers, timeLimiters, null, new Resilience4JConfigurationProperties()),
                new StaticListableBeanFactory().getBeanProvider(DispatcherHandler.class));
        List<RouteFilterContributor<?>> contributors = List.of(
                new WebsocketContributor(new WebsocketGuardGatewayFilterFactory()),
                new RateLimitContributor(new LocalRateLimiterProvider(100, null)),
                new CorsContributor(),
                HeaderEditsContributor.request(new RemoveRequestHeaderGatewayFilterFactory(), new SetRequestHeaderGatewayFilterFactory(),
                        new AddRequestHeaderGatewayFilterFactory()),
                HeaderEditsContributor.response(new RemoveResponseHeaderGatewayFilterFactory(), new SetResponseHeaderGatewayFilterFactory(),
                        new AddResponseHeaderGatewayFilterFactory()),
                new HostHeaderContributor(new PreserveHostHeaderGatewayFilterFactory(), new SetRequestHostHeaderGatewayFilterFactory()),
                new ForwardedHeadersContributor(),
                new RewriteContributor(new RewritePathGatewayFilterFactory(), new SetPathGatewayFilterFactory(),
                        new RegexPathRewriteGatewayFilterFactory()),
                new MirrorContributor(new MirrorGatewayFilterFactory(HttpClient.create(), dev.isthmus.compile.ownership.DestinationGuard.NONE, 1, 1024), ServiceResolver.NONE),
                new TimeoutsContributor(new DeadlineGatewayFilterFactory()),
                new RetryContributor(new RetryGatewayFilterFactory()),
                new CircuitBreakerContributor(cbFactory, breakers, timeLimiters),
                new LoadBalancingContributor(),
                new RequestBodyLimitContributor(), new CompressionContributor(),
                AccessContributor.ipDeny(GUARDS, METRICS), AccessContributor.ipAllow(GUARDS, METRICS), AccessContributor.basic(GUARDS, METRICS),
                AccessContributor.jwt(GUARDS, METRICS), AccessContributor.forward(GUARDS, METRICS));
        return new RouteMaterializer(List.of(), contributors, new RequestRedirectGatewayFilterFactory());
    }
}
