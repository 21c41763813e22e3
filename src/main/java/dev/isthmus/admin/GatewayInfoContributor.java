package dev.isthmus.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;

import dev.isthmus.model.SyncStatus;
import dev.isthmus.source.RouteSource;
import dev.isthmus.source.RouteSources;

/**
 * The {@code isthmus} part of {@code /actuator/info}: the versions of what the gateway is built on
 * (each jar's own manifest, so they are the ones running, not the ones the build asked for), the
 * route sources enabled with their state, and whether tracing is on. Build and git details are
 * Spring Boot's own contributors ({@code build}, {@code git}), from the files the build writes.
 */
public final class GatewayInfoContributor implements InfoContributor {

    private final RouteSources sources;
    private final boolean tracing;

    public GatewayInfoContributor(RouteSources sources, boolean tracing) {
        this.sources = sources;
        this.tracing = tracing;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Map<String, Object> isthmus = new LinkedHashMap<>();
        Map<String, Object> components = new LinkedHashMap<>();
        components.put("springBoot", SpringBootVersion.getVersion());
        components.put("springCloudGateway", version(GatewayAutoConfiguration.class));
        components.put("reactorNetty", version(reactor.netty.http.server.HttpServer.class));
        components.put("netty", version(io.netty.channel.Channel.class));
        components.put("micrometer", version(io.micrometer.core.instrument.MeterRegistry.class));
        components.put("java", System.getProperty("java.runtime.version", Runtime.version().toString()));
        isthmus.put("components", components);
        List<Map<String, Object>> enabled = new ArrayList<>();
        for (RouteSource source : sources.all()) {
            SyncStatus status = source.status();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("id", source.id());
            s.put("state", status.state());
            enabled.add(s);
        }
        isthmus.put("sources", enabled);
        isthmus.put("tracing", tracing);
        builder.withDetail("isthmus", isthmus);
    }

    /** The jar's Implementation-Version, else "unknown" (classes run from a directory have none). */
    static String version(Class<?> type) {
        Package p = type.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "unknown" : v;
    }
}
