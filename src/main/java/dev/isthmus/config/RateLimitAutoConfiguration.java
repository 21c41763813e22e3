package dev.isthmus.config;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import dev.isthmus.runtime.ratelimit.RateLimiterProvider;
import dev.isthmus.runtime.ratelimit.LocalRateLimiterProvider;
import dev.isthmus.runtime.ratelimit.RedisRateLimitHealth;
import dev.isthmus.runtime.ratelimit.RedisRateLimiterProvider;

/**
 * Per-route rate limiting: local token buckets ({@code scope: local}), and, when Spring Data
 * Redis is there with a reactive template ({@code spring.data.redis.*}), buckets shared by every
 * replica ({@code scope: redis}); without one, redis-scoped routes fall back to local buckets.
 * After Spring Boot's Redis auto-configuration, as Spring Cloud Gateway's
 * GatewayRedisAutoConfiguration is, so that its template decides.
 */
@AutoConfiguration(after = DataRedisReactiveAutoConfiguration.class)
@EnableConfigurationProperties(IsthmusProperties.class)
public class RateLimitAutoConfiguration {

    /** Health component "rateLimitRedis": the Redis behind scope: redis rate limits, as the limiter sees it. */
    @Bean
    RedisRateLimitHealth rateLimitRedisHealthIndicator(IsthmusProperties properties) {
        return new RedisRateLimitHealth(properties.getRateLimit().isRedisFailOpen());
    }

    @Bean
    @ConditionalOnMissingBean
    RateLimiterProvider rateLimiterProvider(IsthmusProperties properties, ObjectProvider<RedisRateLimiterProvider> redis) {
        return new LocalRateLimiterProvider(properties.getRateLimit().getMaxKeys(), redis.getIfAvailable());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ReactiveStringRedisTemplate.class)
    @ConditionalOnBean(ReactiveStringRedisTemplate.class)
    static class RedisScope {

        @Bean
        @ConditionalOnMissingBean
        RedisRateLimiterProvider redisRateLimiterProvider(ReactiveStringRedisTemplate redis, IsthmusProperties properties,
                RedisRateLimitHealth health) {
            var r = properties.getRateLimit();
            return new RedisRateLimiterProvider(redis, r.isRedisFailOpen(), r.getRedisTimeout(), health);
        }
    }
}
