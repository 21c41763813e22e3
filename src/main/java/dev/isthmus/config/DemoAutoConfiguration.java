package dev.isthmus.config;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.isthmus.demo.DemoUpstream;

/** The demo echo upstream, only with {@code isthmus.demo.enabled=true} (the local profile). */
@AutoConfiguration
@ConditionalOnProperty("isthmus.demo.enabled")
@EnableConfigurationProperties(IsthmusProperties.class)
public class DemoAutoConfiguration {

    @Bean
    DemoUpstream demoUpstream(IsthmusProperties properties) {
        return new DemoUpstream(properties.getDemo().getPort());
    }
}
