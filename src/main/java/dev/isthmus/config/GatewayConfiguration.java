package dev.isthmus.config;

import java.nio.file.Path;
import java.util.List;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.factory.AddRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.AddResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.PreserveHostHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RemoveRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RemoveResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RetryGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RewritePathGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetPathGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetRequestHostHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SpringCloudCircuitBreakerResilience4JFilterFactory;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;

import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.demo.DemoUpstream;
import dev.isthmus.compile.BackendTarget;
import dev.isthmus.discovery.CompositeServiceResolver;
import dev.isthmus.discovery.ConcurrencyLimiter;
import dev.isthmus.discovery.IsthmusDiscoveryClient;
import dev.isthmus.discovery.OutlierDetector;
import dev.isthmus.discovery.ServiceRegistry;
import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.runtime.IndexedRouteHandlerMapping;
import dev.isthmus.runtime.RouteMaterializer;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.runtime.RouteTableListener;
import dev.isthmus.runtime.RouteTableUpdater;
import dev.isthmus.runtime.filter.BackendSelectionFilter;
import dev.isthmus.runtime.filter.DeadlineGatewayFilterFactory;
import dev.isthmus.runtime.filter.IdleTimeoutNettyRoutingFilter;
import dev.isthmus.runtime.filter.MirrorGatewayFilterFactory;
import dev.isthmus.runtime.filter.PathNormalizationWebFilter;
import dev.isthmus.runtime.filter.RegexPathRewriteGatewayFilterFactory;
import dev.isthmus.runtime.filter.UpstreamForwardedHeadersFilter;
import dev.isthmus.runtime.filter.RequestValidationWebFilter;
import dev.isthmus.runtime.filter.RequestRedirectGatewayFilterFactory;
import dev.isthmus.runtime.filter.WebsocketGuardGatewayFilterFactory;
import dev.isthmus.runtime.ratelimit.LocalBucketTable;
import dev.isthmus.runtime.ratelimit.LocalRateLimiterProvider;
import dev.isthmus.runtime.ratelimit.RedisRateLimitHealth;
import dev.isthmus.runtime.ratelimit.RedisRateLimiterProvider;
import dev.isthmus.runtime.ratelimit.RateLimitKeyResolver;
import dev.isthmus.runtime.ratelimit.TokenBucketRateLimiter;
import dev.isthmus.server.Cidrs;
import dev.isthmus.server.ManagementPort;
import dev.isthmus.server.ServerHardening;
import dev.isthmus.source.RouteSource;
import dev.isthmus.source.RouteSources;
import dev.isthmus.source.file.FileRouteSource;

/**
 * Wires the pipeline: sources, the aggregator and compiler, the routing table, and the request
 * path that replaces Spring Cloud Gateway's route scan with an index lookup.
 */
@Configuration(proxyBeanMethods = false)
public class GatewayConfiguration {

    @Bean
    RouteTableHolder routeTableHolder() {
        return new RouteTableHolder();
    }

    @Bean
    CompileSettings compileSettings(IsthmusProperties properties, Environment environment) {
        String ns = properties.getKubernetes().getDefaultNamespace();
        if (ns == null || ns.isBlank()) {
            // in a pod, the service account's namespace (also what Spring Cloud Kubernetes uses)
            ns = environment.getProperty("spring.cloud.kubernetes.client.namespace", currentPodNamespace());
        }
        return new CompileSettings(ns);
    }

    private static String currentPodNamespace() {
        Path file = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
        try {
            return java.nio.file.Files.isReadable(file) ? java.nio.file.Files.readString(file).trim() : "default";
        }
        catch (java.io.IOException e) {
            return "default";
        }
    }

    @Bean
    OutlierDetector outlierDetector(IsthmusProperties properties) {
        var u = properties.getUpstream();
        return new OutlierDetector(u.getConsecutiveFailures(), u.getBaseEjectionTime(), u.getMaxEjectionPercent());
    }

    /**
     * Kubernetes and Consul registries are beans of their own configurations when enabled; the
     * composite resolver picks between them by {@code isthmus.discovery.policy}.
     */
    @Bean
    CompositeServiceResolver serviceResolver(IsthmusProperties properties, ObjectProvider<ServiceRegistry> registries) {
        ServiceRegistry kubernetes = null;
        ServiceRegistry consul = null;
        for (ServiceRegistry r : registries.orderedStream().toList()) {
            if (r.kind() == BackendTarget.Registry.KUBERNETES) {
                kubernetes = r;
            }
            else if (r.kind() == BackendTarget.Registry.CONSUL) {
                consul = r;
            }
        }
        return new CompositeServiceResolver(properties.getDiscovery().getPolicy(), kubernetes, consul);
    }

    @Bean
    IsthmusDiscoveryClient isthmusDiscoveryClient(CompositeServiceResolver resolver, CompileSettings settings) {
        return new IsthmusDiscoveryClient(resolver, settings.defaultNamespace());
    }

    @Bean
    ReactiveDiscoveryClient isthmusReactiveDiscoveryClient(IsthmusDiscoveryClient client) {
        return client.reactive();
    }

    @Bean
    ConcurrencyLimiter upstreamConcurrencyLimiter(IsthmusProperties properties) {
        return new ConcurrencyLimiter(properties.getUpstream().getMaxConcurrentRequests());
    }

    @Bean
    BackendSelectionFilter backendSelectionFilter(ServiceResolver resolver, OutlierDetector outliers, ConcurrencyLimiter bulkhead) {
        return new BackendSelectionFilter(resolver, outliers, bulkhead);
    }

    /** Replaces Spring Cloud Gateway's routing filter (disabled in application.yaml) to add idle timeouts. */
    @Bean
    IdleTimeoutNettyRoutingFilter routingFilter(HttpClient httpClient, ObjectProvider<List<HttpHeadersFilter>> headersFilters,
            HttpClientProperties properties) {
        return new IdleTimeoutNettyRoutingFilter(httpClient, headersFilters, properties);
    }

    /** Spring Cloud Gateway registers it only with its own routing filter enabled. */
    @Bean
    NettyWriteResponseFilter nettyWriteResponseFilter(GatewayProperties properties, ObjectProvider<List<HttpHeadersFilter>> headersFilters) {
        return new NettyWriteResponseFilter(properties.getStreamingMediaTypes(), headersFilters);
    }

    @Bean
    ManagementPort managementPort(Environment environment) {
        return new ManagementPort(environment);
    }

    @Bean
    RequestValidationWebFilter requestValidationWebFilter(ManagementPort managementPort) {
        return new RequestValidationWebFilter(managementPort);
    }

    /** Client address (trusted proxies, PROXY protocol) and slow-client protection: dev.isthmus.server.ServerHardening. */
    @Bean
    ServerHardening serverHardening(IsthmusProperties properties, Environment environment) {
        var s = properties.getServer();
        Cidrs trusted = cidrs("isthmus.server.trusted-proxies", s.getTrustedProxies());
        Cidrs lbs = Cidrs.NONE;
        if (s.getProxyProtocol().isEnabled()) {
            lbs = cidrs("isthmus.server.proxy-protocol.trusted-cidrs", s.getProxyProtocol().getTrustedCidrs());
            if (lbs.isEmpty()) {
                throw new IllegalStateException("isthmus.server.proxy-protocol.enabled needs isthmus.server.proxy-protocol.trusted-cidrs: "
                        + "the load balancers whose PROXY header is believed (anyone else could claim any client address)");
            }
        }
        if (s.getHttp2().getMaxConcurrentStreams() < 1) {
            throw new IllegalStateException("isthmus.server.http2.max-concurrent-streams must be at least 1");
        }
        return new ServerHardening(s.getRequestHeaderTimeout(), s.getReadTimeout(),
                environment.getProperty("server.netty.idle-timeout", java.time.Duration.class), trusted, lbs,
                s.getHttp2().getMaxConcurrentStreams(), s.getHttp2().isH2cUpgrade());
    }

    private static Cidrs cidrs(String property, List<String> values) {
        try {
            return Cidrs.parse(values);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalStateException(property + ": " + e.getMessage(), e);
        }
    }

    /** The management port stands aside: no PROXY protocol there, and its own (Spring Boot) timeouts. */
    @Bean
    NettyServerCustomizer isthmusServerHardening(ServerHardening hardening, ManagementPort managementPort) {
        return server -> hardening.apply(server).doOnChannelInit((observer, channel, address) -> {
            if (managementPort.isLocalAddress(channel.localAddress())) {
                ServerHardening.refuseProxyProtocol(channel.pipeline());
                return;
            }
            hardening.initChannel(channel);
        });
    }

    /** X-Forwarded-* and Forwarded to upstreams, from the trusted client address. */
    @Bean
    UpstreamForwardedHeadersFilter upstreamForwardedHeadersFilter() {
        return new UpstreamForwardedHeadersFilter();
    }

    @Bean
    PathNormalizationWebFilter pathNormalizationWebFilter(ManagementPort managementPort) {
        return new PathNormalizationWebFilter(managementPort);
    }

    // --- filter factories Spring Cloud Gateway lacks ---

    @Bean
    RequestRedirectGatewayFilterFactory requestRedirectGatewayFilterFactory() {
        return new RequestRedirectGatewayFilterFactory();
    }

    @Bean
    RegexPathRewriteGatewayFilterFactory regexPathRewriteGatewayFilterFactory() {
        return new RegexPathRewriteGatewayFilterFactory();
    }

    @Bean
    DeadlineGatewayFilterFactory deadlineGatewayFilterFactory() {
        return new DeadlineGatewayFilterFactory();
    }

    @Bean
    WebsocketGuardGatewayFilterFactory websocketGuardGatewayFilterFactory() {
        return new WebsocketGuardGatewayFilterFactory();
    }

    @Bean
    MirrorGatewayFilterFactory mirrorGatewayFilterFactory(HttpClient httpClient, IsthmusProperties properties) {
        return new MirrorGatewayFilterFactory(httpClient, properties.getMirror().getMaxInFlight(), properties.getMirror().getMaxBodyBytes());
    }

    @Bean
    RouteMaterializer routeMaterializer(List<GlobalFilter> globalFilters, AddRequestHeaderGatewayFilterFactory addRequestHeader,
            SetRequestHeaderGatewayFilterFactory setRequestHeader, RemoveRequestHeaderGatewayFilterFactory removeRequestHeader,
            AddResponseHeaderGatewayFilterFactory addResponseHeader, SetResponseHeaderGatewayFilterFactory setResponseHeader,
            RemoveResponseHeaderGatewayFilterFactory removeResponseHeader, PreserveHostHeaderGatewayFilterFactory preserveHostHeader,
            SetRequestHostHeaderGatewayFilterFactory setRequestHostHeader, RewritePathGatewayFilterFactory rewritePath,
            SetPathGatewayFilterFactory setPath, RetryGatewayFilterFactory retry,
            SpringCloudCircuitBreakerResilience4JFilterFactory circuitBreaker, CircuitBreakerRegistry circuitBreakerRegistry,
            TimeLimiterRegistry timeLimiterRegistry, RequestRedirectGatewayFilterFactory redirect,
            RegexPathRewriteGatewayFilterFactory regexRewrite, DeadlineGatewayFilterFactory deadline,
            WebsocketGuardGatewayFilterFactory websocketGuard, MirrorGatewayFilterFactory mirror,
            IsthmusProperties properties, ServiceResolver resolver, ObjectProvider<ReactiveStringRedisTemplate> redis,
            RedisRateLimitHealth redisHealth) {
        // Spring Cloud Gateway registers its rate-limit factory only with a RateLimiter bean; each route brings its own.
        var rateLimit = new RequestRateLimiterGatewayFilterFactory(new TokenBucketRateLimiter(1, 1, new LocalBucketTable(1)), RateLimitKeyResolver.clientIp());
        var factories = new RouteMaterializer.Factories(addRequestHeader, setRequestHeader, removeRequestHeader, addResponseHeader,
                setResponseHeader, removeResponseHeader, preserveHostHeader, setRequestHostHeader, rewritePath, setPath, retry,
                circuitBreaker, circuitBreakerRegistry, timeLimiterRegistry, rateLimit,
                new LocalRateLimiterProvider(properties.getRateLimit().getMaxKeys(), redisProvider(redis, properties, redisHealth)),
                redirect, regexRewrite, deadline,
                websocketGuard, mirror);
        return new RouteMaterializer(globalFilters, factories, resolver);
    }

    private static RedisRateLimiterProvider redisProvider(ObjectProvider<ReactiveStringRedisTemplate> redis, IsthmusProperties properties,
            RedisRateLimitHealth health) {
        ReactiveStringRedisTemplate template = redis.getIfAvailable();
        var r = properties.getRateLimit();
        return template == null ? null : new RedisRateLimiterProvider(template, r.isRedisFailOpen(), r.getRedisTimeout(), health);
    }

    /** Health component "rateLimitRedis": the Redis behind scope: redis rate limits, as the limiter sees it. */
    @Bean
    RedisRateLimitHealth rateLimitRedisHealthIndicator(IsthmusProperties properties) {
        return new RedisRateLimitHealth(properties.getRateLimit().isRedisFailOpen());
    }

    @Bean
    RouteCompiler routeCompiler(CompileSettings settings) {
        return new RouteCompiler(settings);
    }

    @Bean(destroyMethod = "close")
    RouteTableUpdater routeTableUpdater(RouteCompiler compiler, RouteMaterializer materializer, RouteTableHolder holder,
            ObjectProvider<RouteTableListener> listeners) {
        return new RouteTableUpdater(compiler, materializer, holder, () -> listeners.orderedStream().toList());
    }

    @Bean
    @ConditionalOnProperty(name = "isthmus.file.enabled", matchIfMissing = true)
    FileRouteSource fileRouteSource(IsthmusProperties properties) {
        return new FileRouteSource(Path.of(properties.getFile().getPath()), properties.getFile().getSettleDelay().toMillis());
    }

    @Bean
    RouteSources routeSources(ObjectProvider<RouteSource> sources, RouteTableUpdater updater) {
        return new RouteSources(sources.orderedStream().toList(), updater);
    }

    // --- Spring Cloud Gateway integration ---

    /** Replaces Spring Cloud Gateway's linear route scan (it backs off when this bean exists). */
    @Bean
    RoutePredicateHandlerMapping routePredicateHandlerMapping(FilteringWebHandler webHandler, RouteLocator routeLocator,
            GlobalCorsProperties globalCorsProperties, Environment environment, RouteTableHolder tables,
            ManagementPort managementPort) {
        return new IndexedRouteHandlerMapping(webHandler, routeLocator, globalCorsProperties, environment, tables, managementPort);
    }

    /**
     * The routes Spring Cloud Gateway's own components see ({@code /actuator/gateway}): the current
     * table, read directly, in place of its caching composite locator.
     */
    @Bean
    @Primary
    RouteLocator cachedCompositeRouteLocator(RouteTableHolder tables) {
        return () -> Flux.defer(() -> Flux.fromIterable(tables.get().routes())).map(r -> (Route) r.route());
    }

    @Bean
    @ConditionalOnProperty("isthmus.demo.enabled")
    DemoUpstream demoUpstream(IsthmusProperties properties) {
        return new DemoUpstream(properties.getDemo().getPort());
    }
}
