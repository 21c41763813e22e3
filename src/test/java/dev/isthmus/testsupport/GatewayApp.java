package dev.isthmus.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.http.client.ReactorResourceFactory;

import dev.isthmus.IsthmusApplication;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.runtime.RouteTableUpdater;

/**
 * The gateway in the test's JVM, on real free ports (gateway and management), fed by a routes
 * file in a temporary directory. Faster to start than {@link GatewayProcess}, and gives tests
 * access to beans; the request path is the same.
 */
public final class GatewayApp implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final int port;
    private final int managementPort;
    private final Path routesFile;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private GatewayApp(ConfigurableApplicationContext context, int port, int managementPort, Path routesFile) {
        this.context = context;
        this.port = port;
        this.managementPort = managementPort;
        this.routesFile = routesFile;
    }

    public static GatewayApp start(String routesYaml) {
        return start(routesYaml, Map.of());
    }

    public static GatewayApp start(String routesYaml, Map<String, String> properties) {
        try {
            Path dir = Files.createTempDirectory("isthmus-app");
            Path routes = dir.resolve("routes.yaml");
            Files.writeString(routes, routesYaml == null ? "routes: []\n" : routesYaml);
            int port = RealInfra.freePort();
            int management = RealInfra.freePort();
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("server.port", port);
            props.put("management.server.port", management);
            props.put("isthmus.file.path", routes.toString());
            props.put("spring.main.banner-mode", "off");
            // Tests may run upstreams only on loopback (or in network namespaces they create), and Consul
            // instances registered at 127.0.0.1 are a tenant's destinations: allowed here, denied by default in
            // the product; the ownership tests set it back to false (OwnershipIT).
            props.put("isthmus.ownership.destinations.allow-loopback", "true");
            props.putAll(properties);
            // as command-line arguments: they must win over application.yaml
            String[] args = props.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
            ConfigurableApplicationContext ctx = new SpringApplicationBuilder(IsthmusApplication.class)
                    .initializers(GatewayApp::ownNettyResources).run(args);
            GatewayApp app = new GatewayApp(ctx, port, management, routes);
            app.awaitIdle();
            return app;
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Several gateways may run in one test JVM (leader election, gateway classes). By default each
     * app's ReactorResourceFactory disposes Reactor Netty's JVM-wide loops and connection pools when
     * its context closes, which kills the gateways still running; each app gets its own instead.
     */
    private static void ownNettyResources(ConfigurableApplicationContext ctx) {
        ((GenericApplicationContext) ctx).registerBean(ReactorResourceFactory.class, () -> {
            ReactorResourceFactory resources = new ReactorResourceFactory();
            resources.setUseGlobalResources(false);
            return resources;
        });
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public Path routesFile() {
        return routesFile;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    /** Rewrites the routes file and waits until the table built from it is in service. */
    public void writeRoutes(String yaml) {
        long before = bean(RouteTableHolder.class).get().version();
        try {
            Files.writeString(routesFile, yaml);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (!Await.until(Duration.ofSeconds(10), () -> bean(RouteTableHolder.class).get().version() > before)) {
            throw new IllegalStateException("routes file change was not applied within 10 s");
        }
    }

    public void awaitIdle() {
        try {
            bean(RouteTableUpdater.class).awaitIdle(Duration.ofSeconds(10));
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).GET().build());
    }

    /** Sends a request; one without its own timeout gets 30 s, so a stalled exchange fails its test instead of hanging the run. */
    public HttpResponse<String> send(HttpRequest request) {
        if (request.timeout().isEmpty()) {
            request = HttpRequest.newBuilder(request, (name, value) -> true).timeout(Duration.ofSeconds(30)).build();
        }
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30));
    }

    public HttpResponse<String> admin(String path) {
        return send(HttpRequest.newBuilder(URI.create(managementUrl() + path)).GET().build());
    }

    @Override
    public void close() {
        context.close();
    }
}
