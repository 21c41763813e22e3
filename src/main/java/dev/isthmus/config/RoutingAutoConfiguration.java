package dev.isthmus.config;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;

import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.compile.ownership.OwnershipPolicy;
import dev.isthmus.compile.policy.BuiltInPolicies;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.PolicyDefinition;
import dev.isthmus.model.SourceKind;
import dev.isthmus.platform.GatewayIdentity;
import dev.isthmus.runtime.IndexedRouteHandlerMapping;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteMaterializer;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.runtime.RouteTableListener;
import dev.isthmus.runtime.RouteTableUpdater;
import dev.isthmus.runtime.filter.DeadlineGatewayFilterFactory;
import dev.isthmus.runtime.filter.MirrorGatewayFilterFactory;
import dev.isthmus.runtime.filter.RegexPathRewriteGatewayFilterFactory;
import dev.isthmus.runtime.filter.RequestRedirectGatewayFilterFactory;
import dev.isthmus.runtime.filter.WebsocketGuardGatewayFilterFactory;
import dev.isthmus.server.ManagementPort;
import dev.isthmus.source.RouteSource;
import dev.isthmus.source.RouteSources;

/**
 * The pipeline's core: sources started into the aggregator, the pure compiler, the routing table,
 * and the request path that replaces Spring Cloud Gateway's route scan with an index lookup.
 * <p>
 * Before {@link GatewayAutoConfiguration}: Spring Cloud Gateway defines its
 * {@link RoutePredicateHandlerMapping} and its {@code cachedCompositeRouteLocator} only when no
 * such bean exists, so these must be registered first for it to back off.
 */
@AutoConfiguration(before = GatewayAutoConfiguration.class)
@EnableConfigurationProperties({ IsthmusProperties.class, OwnershipProperties.class })
public class RoutingAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RoutingAutoConfiguration.class);

    /** Without Kubernetes; KubernetesAutoConfiguration, ordered first, defines it from its client's namespace. */
    @Bean
    @ConditionalOnMissingBean
    GatewayIdentity gatewayIdentity(Environment environment) {
        return GatewayIdentity.detect(environment);
    }

    @Bean
    @ConditionalOnMissingBean
    CompileSettings compileSettings(IsthmusProperties properties, GatewayIdentity identity, OwnershipPolicy ownership) {
        String ns = properties.getKubernetes().getDefaultNamespace();
        if (ns == null || ns.isBlank()) {
            log.info("Unqualified services of file and Consul routes resolve in namespace '{}' (the gateway's own, from {})",
                    identity.namespace(), identity.from());
        }
        CompileSettings settings = settingsFor(properties, identity, ownership);
        // the operator's policies are checked now, as every compile checks them: a bad one stops the start, naming it
        List<String> problems = new RouteCompiler(settings, BuiltInPolicies.compilers()).compile(List.of(), List.of()).statuses().stream()
                .filter(s -> !s.accepted()).map(s -> s.object().name() + ": " + s.message()).toList();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Invalid named policies in isthmus.auth.policies: " + String.join("; ", problems));
        }
        if (!settings.policies().isEmpty()) {
            log.info("{} named access policies from isthmus.auth.policies: {}", settings.policies().size(),
                    properties.getAuth().getPolicies().keySet());
        }
        return settings;
    }

    /**
     * What the properties mean for the compile step (the default namespace, the operator's named
     * policies, the ownership rules); {@code isthmus validate} compiles with the same ({@link OfflineCompiler}).
     */
    static CompileSettings settingsFor(IsthmusProperties properties, GatewayIdentity identity, OwnershipPolicy ownership) {
        String ns = properties.getKubernetes().getDefaultNamespace();
        List<PolicyDefinition> policies = new ArrayList<>();
        properties.getAuth().getPolicies().forEach((name, spec) -> policies.add(new PolicyDefinition(name,
                new ObjectRef(SourceKind.PROPERTIES, null, "isthmus.auth.policies." + name), true, spec)));
        return new CompileSettings(ns == null || ns.isBlank() ? identity.namespace() : ns, policies, ownership);
    }

    @Bean
    @ConditionalOnMissingBean
    RouteCompiler routeCompiler(CompileSettings settings) {
        return new RouteCompiler(settings, BuiltInPolicies.compilers());
    }

    @Bean
    RouteTableHolder routeTableHolder() {
        return new RouteTableHolder();
    }

    @Bean
    ManagementPort managementPort(Environment environment) {
        return new ManagementPort(environment);
    }

    // --- filter factories Spring Cloud Gateway lacks ---

    @Bean
    @ConditionalOnMissingBean
    RequestRedirectGatewayFilterFactory requestRedirectGatewayFilterFactory() {
        return new RequestRedirectGatewayFilterFactory();
    }

    @Bean
    @ConditionalOnMissingBean
    RegexPathRewriteGatewayFilterFactory regexPathRewriteGatewayFilterFactory() {
        return new RegexPathRewriteGatewayFilterFactory();
    }

    @Bean
    @ConditionalOnMissingBean
    DeadlineGatewayFilterFactory deadlineGatewayFilterFactory() {
        return new DeadlineGatewayFilterFactory();
    }

    @Bean
    @ConditionalOnMissingBean
    WebsocketGuardGatewayFilterFactory websocketGuardGatewayFilterFactory() {
        return new WebsocketGuardGatewayFilterFactory();
    }

    @Bean
    @ConditionalOnMissingBean
    MirrorGatewayFilterFactory mirrorGatewayFilterFactory(HttpClient httpClient, IsthmusProperties properties, DestinationGuard guard) {
        return new MirrorGatewayFilterFactory(httpClient, guard, properties.getMirror().getMaxInFlight(), properties.getMirror().getMaxBodyBytes());
    }

    /** Turns compiled routes into Spring Cloud Gateway routes, with the contributor bean of each policy (RoutePoliciesAutoConfiguration). */
    @Bean
    RouteMaterializer routeMaterializer(List<GlobalFilter> globalFilters, List<RouteFilterContributor<?>> contributors,
            RequestRedirectGatewayFilterFactory redirect) {
        return new RouteMaterializer(globalFilters, contributors, redirect);
    }

    @Bean(destroyMethod = "close")
    RouteTableUpdater routeTableUpdater(RouteCompiler compiler, RouteMaterializer materializer, RouteTableHolder holder,
            ObjectProvider<RouteTableListener> listeners, OwnershipProperties ownership) {
        return new RouteTableUpdater(compiler, materializer, holder, () -> listeners.orderedStream().toList(), ownership.isFallThrough());
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
     * table, read directly, in place of its caching composite locator (same bean name, so it backs off).
     */
    @Bean
    @Primary
    RouteLocator cachedCompositeRouteLocator(RouteTableHolder tables) {
        return () -> Flux.defer(() -> Flux.fromIterable(tables.get().routes())).map(r -> (Route) r.route());
    }
}
