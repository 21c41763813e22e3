package dev.isthmus.source.kubernetes;

import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.model.SourceSnapshot;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.platform.kubernetes.WatchMonitor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fast checks of the GatewayRoute source's watch logic on fabric8's mock API server (CRUD mode;
 * it does not validate against the schema, which lets a test store specs the schema would
 * refuse). The real API server tests are the proof; these pin details.
 */
@EnableKubernetesMockClient(crud = true)
class GatewayRouteSourceMockServerTest {

    static final String NS = "shop";
    KubernetesClient client;
    WatchMonitor monitor;
    GatewayRouteSource source;
    final BlockingQueue<SourceSnapshot> snapshots = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(KubeFixtures.CRD_RESOURCE)) {
            CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
            client.resource(crd).create();
        }
        monitor = new WatchMonitor(Duration.ofMillis(100), Duration.ofSeconds(1));
        source = new GatewayRouteSource(client, List.of(), new GatewayClassSelector("public"), CompletableFuture.completedFuture(null), monitor);
    }

    @AfterEach
    void stop() {
        source.stop();
        monitor.close();
    }

    GenericKubernetesResource create(String name, String spec, Map<String, String> annotations) {
        return client.resource(KubeFixtures.gatewayRoute(NS, name, spec, annotations)).create();
    }

    SourceSnapshot next() throws InterruptedException {
        SourceSnapshot s = snapshots.poll(5, TimeUnit.SECONDS);
        assertThat(s).as("a snapshot").isNotNull();
        return s;
    }

    @Test
    void readsEachObjectOnItsOwnAndPushesWholeSnapshots() throws Exception {
        create("quote", "gatewayClassName: public\nmatch: {path: {prefix: /q/}}\nbackends: [{service: quote}]", Map.of());
        create("annotated", "match: {path: {prefix: /a/}}\nbackends: [{service: a}]", Map.of(GatewayClassSelector.ANNOTATION, "public"));
        create("other-class", "gatewayClassName: internal\nmatch: {path: {prefix: /o/}}\nbackends: [{service: o}]", Map.of());
        create("unreadable", "gatewayClassName: public\nmatch: {path: {prefix: /u/}, methods: [FETCH]}\nbackends: [{service: u}]", Map.of());
        create("unknown-field", "gatewayClassName: public\nmatch: {path: {prefix: /f/}}\nbackends: [{service: f}]\nauth: {jwt: true}", Map.of());

        source.start(snapshots::add);
        SourceSnapshot first = next();
        assertThat(first.sourceId()).isEqualTo("gatewayroute");
        assertThat(first.routes()).extracting(RouteSpec::id).containsExactly("gatewayroute/shop/annotated", "gatewayroute/shop/quote");
        RouteSpec quote = first.routes().get(1);
        assertThat(quote.name()).isEqualTo("quote");
        assertThat(quote.provenance().object().toString()).isEqualTo("gatewayroute/shop/quote");
        assertThat(quote.provenance().generation()).isEqualTo(1L);
        assertThat(quote.provenance().created()).isNotNull();
        assertThat(quote.spec().backends().get(0).service()).isEqualTo("quote");

        assertThat(first.problems()).extracting(SourceProblem::routeId)
                .containsExactly("gatewayroute/shop/unknown-field", "gatewayroute/shop/unreadable");
        assertThat(first.problems()).allSatisfy(p -> {
            assertThat(p.reason()).hasToString("InvalidSpec");
            assertThat(p.generation()).isEqualTo(1L);
        });
        assertThat(first.problems().get(0).message()).startsWith("spec: ").contains("auth");
        assertThat(first.problems().get(1).message()).startsWith("spec: match.methods[0]");
        assertThat(source.status().state()).isEqualTo(SyncStatus.State.SYNCED);
        assertThat(source.status().version()).isEqualTo(first.version()).isNotBlank();

        // a status-only change (the status writer's own) pushes nothing
        client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(NS).withName("quote")
                .editStatus(r -> new GenericKubernetesResourceBuilder(r).addToAdditionalProperties("status", Map.of("observedGeneration", 1)).build());
        assertThat(snapshots.poll(700, TimeUnit.MILLISECONDS)).isNull();

        // moving a route to another class withdraws it; deleting one removes it
        client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(NS).withName("annotated")
                .edit(r -> new GenericKubernetesResourceBuilder(r).editMetadata().addToAnnotations(GatewayClassSelector.ANNOTATION, "internal")
                        .endMetadata().build());
        assertThat(next().routes()).extracting(RouteSpec::id).containsExactly("gatewayroute/shop/quote");
        client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(NS).withName("unreadable").delete();
        assertThat(next().problems()).extracting(SourceProblem::routeId).containsExactly("gatewayroute/shop/unknown-field");

        // deleted and created again under the same name, at generation 1 again: read anew
        client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(NS).withName("quote").delete();
        assertThat(next().routes()).isEmpty();
        create("quote", "gatewayClassName: public\nmatch: {path: {prefix: /q/}}\nbackends: [{service: quote-v2}]", Map.of());
        assertThat(next().routes()).singleElement().satisfies(r -> assertThat(r.spec().backends().get(0).service()).isEqualTo("quote-v2"));
    }

    @Test
    void waitsForDiscoveryBeforeItsFirstSnapshot() throws Exception {
        source.stop();
        CompletableFuture<Void> discovery = new CompletableFuture<>();
        source = new GatewayRouteSource(client, List.of(NS), new GatewayClassSelector("public"), discovery, monitor);
        create("quote", "gatewayClassName: public\nmatch: {path: {prefix: /q/}}\nbackends: [{service: quote}]", Map.of());
        source.start(snapshots::add);
        assertThat(snapshots.poll(700, TimeUnit.MILLISECONDS)).as("nothing before discovery has synced").isNull();
        assertThat(source.status().hasSynced()).isFalse();
        discovery.complete(null);
        assertThat(next().routes()).hasSize(1);
        assertThat(source.status().hasSynced()).isTrue();
    }
}
