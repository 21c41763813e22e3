package dev.isthmus.config;

import java.nio.file.Path;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.isthmus.source.file.FileRouteSource;

/** The local routes file ({@code isthmus.file.*}), on unless {@code isthmus.file.enabled=false}. */
@AutoConfiguration
@ConditionalOnProperty(name = "isthmus.file.enabled", matchIfMissing = true)
@EnableConfigurationProperties(IsthmusProperties.class)
public class FileSourceAutoConfiguration {

    @Bean
    FileRouteSource fileRouteSource(IsthmusProperties properties) {
        return new FileRouteSource(Path.of(properties.getFile().getPath()), properties.getFile().getSettleDelay().toMillis());
    }
}
