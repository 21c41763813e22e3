package dev.isthmus.config;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import dev.isthmus.demo.DemoUpstream;
import dev.isthmus.runtime.ratelimit.RateLimiterProvider;
import dev.isthmus.runtime.ratelimit.LocalRateLimiterProvider;
import dev.isthmus.runtime.ratelimit.RedisRateLimiterProvider;
import dev.isthmus.source.file.FileRouteSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/** The conditions of the small feature auto-configurations: what exists with and without them. */
class FeatureAutoConfigurationTest {

    @Test
    void redisScopedLimitsExistOnlyWithARedisTemplate() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class));
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).hasSingleBean(LocalRateLimiterProvider.class);
            assertThat(ctx).doesNotHaveBean(RedisRateLimiterProvider.class);
        });
        runner.withBean(ReactiveStringRedisTemplate.class, () -> new ReactiveStringRedisTemplate(mock(ReactiveRedisConnectionFactory.class)))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).hasSingleBean(RedisRateLimiterProvider.class);
                    assertThat(ctx).hasSingleBean(LocalRateLimiterProvider.class);
                });
    }

    @Test
    void springBootsRedisTemplateTurnsTheRedisScopeOn() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                        org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration.class,
                        org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.port=1")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).hasSingleBean(ReactiveStringRedisTemplate.class);
                    assertThat(ctx).hasSingleBean(RedisRateLimiterProvider.class);
                });
    }

    @Test
    void anApplicationsOwnRateLimiterProviderReplacesTheGatewaysOwn() {
        RateLimiterProvider own = (routeId, policy) -> null;
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class))
                .withBean(RateLimiterProvider.class, () -> own)
                .run(ctx -> assertThat(ctx).getBean(RateLimiterProvider.class).isSameAs(own));
    }

    @Test
    void theDemoUpstreamExistsOnlyWhenAskedFor() {
        ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(DemoAutoConfiguration.class));
        runner.run(ctx -> assertThat(ctx).doesNotHaveBean(DemoUpstream.class));
        runner.withPropertyValues("isthmus.demo.enabled=true", "isthmus.demo.port=0")
                .run(ctx -> assertThat(ctx).hasSingleBean(DemoUpstream.class));
    }

    @Test
    void theRoutesFileIsOnUnlessSwitchedOff() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(FileSourceAutoConfiguration.class));
        runner.run(ctx -> assertThat(ctx).hasSingleBean(FileRouteSource.class));
        runner.withPropertyValues("isthmus.file.enabled=false").run(ctx -> assertThat(ctx).doesNotHaveBean(FileRouteSource.class));
    }
}
