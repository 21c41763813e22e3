package dev.isthmus.config;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.config.GatewayResilience4JCircuitBreakerAutoConfiguration;
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
import org.springframework.context.annotation.Bean;

import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.runtime.filter.DeadlineGatewayFilterFactory;
import dev.isthmus.runtime.filter.MirrorGatewayFilterFactory;
import dev.isthmus.runtime.filter.RegexPathRewriteGatewayFilterFactory;
import dev.isthmus.runtime.filter.WebsocketGuardGatewayFilterFactory;
import dev.isthmus.runtime.auth.AccessGuards;
import dev.isthmus.runtime.auth.AuthMetrics;
import dev.isthmus.runtime.policy.AccessContributor;
import dev.isthmus.runtime.policy.CircuitBreakerContributor;
import dev.isthmus.runtime.policy.CompressionContributor;
import dev.isthmus.runtime.policy.RequestBodyLimitContributor;
import dev.isthmus.runtime.policy.CorsContributor;
import dev.isthmus.runtime.policy.ForwardedHeadersContributor;
import dev.isthmus.runtime.policy.HeaderEditsContributor;
import dev.isthmus.runtime.policy.HostHeaderContributor;
import dev.isthmus.runtime.policy.LoadBalancingContributor;
import dev.isthmus.runtime.policy.MirrorContributor;
import dev.isthmus.runtime.policy.RateLimitContributor;
import dev.isthmus.runtime.policy.RetryContributor;
import dev.isthmus.runtime.policy.RewriteContributor;
import dev.isthmus.runtime.policy.TimeoutsContributor;
import dev.isthmus.runtime.policy.WebsocketContributor;
import dev.isthmus.runtime.ratelimit.RateLimiterProvider;

/**
 * One {@code RouteFilterContributor} bean per route policy, as Spring Cloud Gateway registers one
 * bean per filter factory; each can be replaced by an application bean of the same type. They are
 * built on Spring Cloud Gateway's own filter factories (and Spring Cloud CircuitBreaker's), hence
 * after their auto-configurations.
 */
@AutoConfiguration(after = { GatewayAutoConfiguration.class, GatewayResilience4JCircuitBreakerAutoConfiguration.class,
        RoutingAutoConfiguration.class, RateLimitAutoConfiguration.class, AuthAutoConfiguration.class })
public class RoutePoliciesAutoConfiguration {

    // --- access: client address lists and authentication (their guards: AuthAutoConfiguration) ---

    @Bean
    AccessContributor<?> ipDenyContributor(AccessGuards guards, AuthMetrics metrics) {
        return AccessContributor.ipDeny(guards, metrics);
    }

    @Bean
    AccessContributor<?> ipAllowContributor(AccessGuards guards, AuthMetrics metrics) {
        return AccessContributor.ipAllow(guards, metrics);
    }

    @Bean
    AccessContributor<?> basicAuthContributor(AccessGuards guards, AuthMetrics metrics) {
        return AccessContributor.basic(guards, metrics);
    }

    @Bean
    AccessContributor<?> jwtAuthContributor(AccessGuards guards, AuthMetrics metrics) {
        return AccessContributor.jwt(guards, metrics);
    }

    @Bean
    AccessContributor<?> forwardAuthContributor(AccessGuards guards, AuthMetrics metrics) {
        return AccessContributor.forward(guards, metrics);
    }

    @Bean
    @ConditionalOnMissingBean
    WebsocketContributor websocketContributor(WebsocketGuardGatewayFilterFactory guard) {
        return new WebsocketContributor(guard);
    }

    @Bean
    @ConditionalOnMissingBean
    RateLimitContributor rateLimitContributor(RateLimiterProvider limiters) {
        return new RateLimitContributor(limiters);
    }

    @Bean
    @ConditionalOnMissingBean
    RequestBodyLimitContributor requestBodyLimitContributor() {
        return new RequestBodyLimitContributor();
    }

    @Bean
    @ConditionalOnMissingBean
    CompressionContributor compressionContributor() {
        return new CompressionContributor();
    }

    @Bean
    @ConditionalOnMissingBean
    CorsContributor corsContributor() {
        return new CorsContributor();
    }

    @Bean
    HeaderEditsContributor<?> requestHeadersContributor(RemoveRequestHeaderGatewayFilterFactory remove,
            SetRequestHeaderGatewayFilterFactory set, AddRequestHeaderGatewayFilterFactory add) {
        return HeaderEditsContributor.request(remove, set, add);
    }

    @Bean
    HeaderEditsContributor<?> responseHeadersContributor(RemoveResponseHeaderGatewayFilterFactory remove,
            SetResponseHeaderGatewayFilterFactory set, AddResponseHeaderGatewayFilterFactory add) {
        return HeaderEditsContributor.response(remove, set, add);
    }

    @Bean
    @ConditionalOnMissingBean
    HostHeaderContributor hostHeaderContributor(PreserveHostHeaderGatewayFilterFactory preserve,
            SetRequestHostHeaderGatewayFilterFactory set) {
        return new HostHeaderContributor(preserve, set);
    }

    @Bean
    @ConditionalOnMissingBean
    ForwardedHeadersContributor forwardedHeadersContributor() {
        return new ForwardedHeadersContributor();
    }

    @Bean
    @ConditionalOnMissingBean
    RewriteContributor rewriteContributor(RewritePathGatewayFilterFactory rewritePath, SetPathGatewayFilterFactory setPath,
            RegexPathRewriteGatewayFilterFactory regex) {
        return new RewriteContributor(rewritePath, setPath, regex);
    }

    @Bean
    @ConditionalOnMissingBean
    MirrorContributor mirrorContributor(MirrorGatewayFilterFactory mirror, ServiceResolver resolver) {
        return new MirrorContributor(mirror, resolver);
    }

    @Bean
    @ConditionalOnMissingBean
    TimeoutsContributor timeoutsContributor(DeadlineGatewayFilterFactory deadline) {
        return new TimeoutsContributor(deadline);
    }

    @Bean
    @ConditionalOnMissingBean
    RetryContributor retryContributor(RetryGatewayFilterFactory retry) {
        return new RetryContributor(retry);
    }

    @Bean
    @ConditionalOnMissingBean
    CircuitBreakerContributor circuitBreakerContributor(SpringCloudCircuitBreakerResilience4JFilterFactory factory,
            CircuitBreakerRegistry breakers, TimeLimiterRegistry timeLimiters) {
        return new CircuitBreakerContributor(factory, breakers, timeLimiters);
    }

    @Bean
    @ConditionalOnMissingBean
    LoadBalancingContributor loadBalancingContributor() {
        return new LoadBalancingContributor();
    }
}
