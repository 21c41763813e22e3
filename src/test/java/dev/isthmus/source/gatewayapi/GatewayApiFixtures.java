package dev.isthmus.source.gatewayapi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.RealInfra;

/**
 * The Kubernetes Gateway API for tests against the real API server: its standard-channel CRDs
 * as {@code scripts/provision-test-infra.sh gatewayapi} fetched them from the official module.
 */
public final class GatewayApiFixtures {

    /** The release provisioned; see the script for why this one. */
    public static final String VERSION = "v1.4.1";

    private GatewayApiFixtures() {
    }

    /** Where the release is laid out: {@code crds/} and {@code conformance/{tests,base}}. */
    public static Path home() {
        Path home = RealInfra.home().resolve("gateway-api").resolve(VERSION);
        if (!Files.isDirectory(home.resolve("crds")) || !Files.isDirectory(home.resolve("conformance/tests"))) {
            RealInfra.unavailable("the Gateway API " + VERSION + " CRDs and conformance suite", "nothing under " + home);
        }
        return home;
    }

    /** Applies the standard-channel CRDs (server-side) and waits until the ones Isthmus reads are Established. */
    public static void installCrds(KubernetesClient client) {
        try (Stream<Path> files = Files.list(home().resolve("crds"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    for (HasMetadata o : client.load(in).items()) {
                        client.resource(o).forceConflicts().serverSideApply();
                    }
                }
            }
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (String crd : List.of("gatewayclasses", "gateways", "httproutes", "referencegrants")) {
            client.apiextensions().v1().customResourceDefinitions().withName(crd + ".gateway.networking.k8s.io")
                    .waitUntilCondition(KubeFixtures::established, 60, TimeUnit.SECONDS);
        }
        // Established is not yet servable: right after a CRD changes, lists answer 429 "storage is (re)initializing"
        boolean ready = dev.isthmus.testsupport.Await.until(java.time.Duration.ofSeconds(60), () -> {
            try {
                client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class).list();
                client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class).inAnyNamespace().list();
                client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class).inAnyNamespace().list();
                client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class).inAnyNamespace().list();
                return true;
            }
            catch (RuntimeException e) {
                return false;
            }
        });
        if (!ready) {
            throw new IllegalStateException("the Gateway API CRDs are Established but not served within 60 s");
        }
    }
}
