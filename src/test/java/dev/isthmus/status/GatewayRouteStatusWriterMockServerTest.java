package dev.isthmus.status;

import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.discovery.Instance;
import dev.isthmus.model.SourceSnapshot;
import dev.isthmus.spec.GatewayRouteStatus;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.platform.kubernetes.WatchMonitor;
import dev.isthmus.source.kubernetes.GatewayRouteSource;
import dev.isthmus.source.kubernetes.ConfigMapRouteSource;
import dev.isthmus.source.kubernetes.GatewayClassSelector;
import dev.isthmus.compile.policy.BuiltInPolicies;

import static dev.isthmus.testsupport.KubeFixtures.condition;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fast checks of the status writer on fabric8's mock API server (CRUD mode, status subresource
 * from the CRD): it writes only while leading, through the status subresource, and only what
 * differs from the object's status.
 */
@EnableKubernetesMockClient(crud = true)
class GatewayRouteStatusWriterMockServerTest {

    static final String NS = "shop";
    KubernetesClient client;
    WatchMonitor monitor;
    GatewayRouteSource source;
    GatewayRouteStatusWriter writer;
    final AtomicReference<SourceSnapshot> latest = new AtomicReference<>();
    volatile List<Instance> instances = List.of();

    @BeforeEach
    void start() throws Exception {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(KubeFixtures.CRD_RESOURCE)) {
            CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
            client.resource(crd).create();
        }
        monitor = new WatchMonitor(Duration.ofMillis(100), Duration.ofSeconds(1));
        source = new GatewayRouteSource(client, List.of(NS), new GatewayClassSelector(null), CompletableFuture.completedFuture(null), monitor);
        ConfigMapRouteSource configMaps = new ConfigMapRouteSource(client, List.of(NS), new GatewayClassSelector(null),
                CompletableFuture.completedFuture(null), monitor, 1 << 20);
        writer = new GatewayRouteStatusWriter(client, source, new RouteEventRecorder(client, configMaps, source, "test"),
                (BackendTarget.Service s) -> instances);
        source.start(latest::set);
    }

    @AfterEach
    void stop() {
        writer.close();
        source.stop();
        monitor.close();
    }

    /** What the aggregator would do with the source's latest snapshot. */
    CompileResult compile() {
        SourceSnapshot s = latest.get();
        return new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(s.routes(), s.problems());
    }

    void create(String name, String spec) {
        client.resource(KubeFixtures.gatewayRoute(NS, name, spec)).create();
        assertThat(Await.until(Duration.ofSeconds(5), () -> latest.get() != null
                && latest.get().routes().stream().anyMatch(r -> r.name().equals(name)))).isTrue();
    }

    String resourceVersion(String name) {
        return KubeFixtures.getGatewayRoute(client, NS, name).getMetadata().getResourceVersion();
    }

    @Test
    void writesOnlyWhileLeadingAndOnlyWhatChanged() throws Exception {
        create("quote", "match: {path: {prefix: /q/}}\nbackends: [{service: quote}]");
        String created = resourceVersion("quote");

        writer.compiled(compile());
        Thread.sleep(500);
        assertThat(resourceVersion("quote")).as("not the leader: no write").isEqualTo(created);
        assertThat(writer.writes()).isZero();

        writer.leadershipChanged(true);
        assertThat(Await.until(Duration.ofSeconds(5), () -> KubeFixtures.status(client, NS, "quote") != null)).isTrue();
        GatewayRouteStatus status = KubeFixtures.status(client, NS, "quote");
        assertThat(condition(status, "Accepted").getStatus()).isEqualTo("True");
        assertThat(condition(status, "ResolvedRefs").getStatus()).isEqualTo("False");
        assertThat(condition(status, "ResolvedRefs").getMessage()).isEqualTo("service k8s:" + NS + "/quote: no instances");
        assertThat(KubeFixtures.getGatewayRoute(client, NS, "quote").getAdditionalProperties().get("spec"))
                .as("the status subresource leaves the spec alone").isEqualTo(Map.of("match", Map.of("path", Map.of("prefix", "/q/")),
                        "backends", List.of(Map.of("service", "quote"))));
        assertThat(writer.writes()).isEqualTo(1);
        assertThat(KubeFixtures.getGatewayRoute(client, NS, "quote").getMetadata().getGeneration()).as("a status write is not a spec change").isEqualTo(1L);

        // the same verdicts again and again: nothing to write
        String written = resourceVersion("quote");
        for (int i = 0; i < 5; i++) {
            writer.compiled(compile());
            writer.discoveryChanged();
        }
        Thread.sleep(700);
        assertThat(resourceVersion("quote")).isEqualTo(written);
        assertThat(writer.writes()).isEqualTo(1);

        // an instance appears: ResolvedRefs flips, Accepted keeps its transition time
        String acceptedSince = condition(status, "Accepted").getLastTransitionTime();
        instances = List.of(Instance.of("10.0.0.1", 8080, BackendTarget.Registry.KUBERNETES));
        writer.discoveryChanged();
        assertThat(Await.until(Duration.ofSeconds(5), () -> "True".equals(condition(KubeFixtures.status(client, NS, "quote"), "ResolvedRefs").getStatus())))
                .as("writes %d, status %s", writer.writes(), KubeFixtures.status(client, NS, "quote")).isTrue();
        assertThat(condition(KubeFixtures.status(client, NS, "quote"), "Accepted").getLastTransitionTime()).isEqualTo(acceptedSince);
        assertThat(writer.writes()).isEqualTo(2);

        // leadership lost: a changed verdict is not written
        writer.leadershipChanged(false);
        instances = List.of();
        writer.discoveryChanged();
        Thread.sleep(500);
        assertThat(writer.writes()).isEqualTo(2);
    }
}
