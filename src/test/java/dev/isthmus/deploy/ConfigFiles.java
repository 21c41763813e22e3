package dev.isthmus.deploy;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.compile.RouteStatus;
import dev.isthmus.config.IsthmusProperties;
import dev.isthmus.config.OwnershipProperties;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.server.HttpsRedirectProperties;
import dev.isthmus.source.RoutesDocumentParser;
import dev.isthmus.compile.policy.BuiltInPolicies;

/** Checks that configuration and routes files say what they mean to the gateway's own code. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    /**
     * The isthmus.* keys of an application.yaml that no property of the gateway binds (typos,
     * invented or removed properties), using Spring Boot's own binder and relaxed names.
     */
    static Set<String> unboundIsthmusKeys(String yaml) throws IOException {
        List<PropertySource<?>> sources = new YamlPropertySourceLoader().load("config", new ByteArrayResource(yaml.getBytes()));
        Set<String> keys = new TreeSet<>();
        for (PropertySource<?> s : sources) {
            for (String name : ((EnumerablePropertySource<?>) s).getPropertyNames()) {
                if (name.startsWith("isthmus.")) {
                    keys.add(ConfigurationPropertyName.adapt(name.replaceAll("\\[[0-9]+\\].*$", ""), '.').toString());
                }
            }
        }
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        env.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        sources.forEach(env.getPropertySources()::addLast);
        Binder binder = new Binder(ConfigurationPropertySources.get(env));
        Set<String> bound = new TreeSet<>();
        AbstractBindHandler recorder = new AbstractBindHandler() {
            @Override
            public Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Object result) {
                bound.add(name.toString());
                return result;
            }
        };
        binder.bind("isthmus", Bindable.ofInstance(new IsthmusProperties()), recorder);
        binder.bind("isthmus.http-redirect", Bindable.ofInstance(new HttpsRedirectProperties()), recorder);
        binder.bind("isthmus.ownership", Bindable.ofInstance(new OwnershipProperties()), recorder);
        keys.removeIf(bound::contains);
        return keys;
    }

    /** Every route of a routes document that is not accepted, with the reason. */
    static List<String> rejectedRoutes(String routesYaml) throws RoutesDocumentParser.InvalidDocumentException {
        var parsed = RoutesDocumentParser.parse(routesYaml, ObjectRef.file("routes.yaml"), 1, name -> "file/" + name, name -> Instant.EPOCH);
        CompileResult result = new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(parsed.routes(), parsed.problems());
        List<String> rejected = new ArrayList<>();
        for (RouteStatus s : result.statuses()) {
            if (!s.accepted()) {
                rejected.add(s.routeId() + ": " + s.reason() + " " + s.message());
            }
        }
        return rejected;
    }
}
