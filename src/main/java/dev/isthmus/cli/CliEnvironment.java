package dev.isthmus.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.boot.env.PropertySourceLoader;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;

/**
 * The properties a command compiles with, in the gateway's order of precedence: {@code --set}
 * values (the gateway's command-line arguments), then Java system properties and environment
 * variables ({@code ISTHMUS_KUBERNETES_GATEWAY_CLASS}), then the {@code --config} files, a later file
 * over an earlier one, read by Spring Boot's own loaders.
 */
final class CliEnvironment {

    private final Map<String, Object> overrides = new LinkedHashMap<>();
    private final List<String> configFiles = new ArrayList<>();

    void set(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new UsageException("--set needs NAME=VALUE, not '" + assignment + "'");
        }
        overrides.put(assignment.substring(0, eq).strip(), assignment.substring(eq + 1));
    }

    void addConfigFile(String file) {
        configFiles.add(file);
    }

    /** @throws IllegalArgumentException when a configuration file is missing or unreadable */
    ConfigurableEnvironment build() {
        StandardEnvironment environment = new StandardEnvironment();
        var sources = environment.getPropertySources();
        if (!overrides.isEmpty()) {
            sources.addFirst(new MapPropertySource("--set", overrides));
        }
        for (String file : configFiles) {
            for (PropertySource<?> source : load(file)) {
                sources.addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, source);
            }
        }
        return environment;
    }

    private static List<PropertySource<?>> load(String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("--config " + file + ": no such file");
        }
        PropertySourceLoader loader = file.endsWith(".properties") ? new PropertiesPropertySourceLoader() : new YamlPropertySourceLoader();
        try {
            // each is added in front of the ones before it, so a later document wins, as in the gateway
            return loader.load("--config " + file, new FileSystemResource(path));
        }
        catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--config " + file + ": " + e.getMessage(), e);
        }
    }
}
