package dev.isthmus.source.kubernetes;

import java.time.Instant;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.source.RoutesDocumentParser;

/**
 * What the Kubernetes sources make of one object, without a cluster: the same pure reading the
 * informer sources apply to every object they see, for tools that read manifests from files
 * ({@code isthmus validate}). A ConfigMap counts only with the {@link ConfigMapRouteSource#LABEL}
 * label, which the ConfigMap source selects on; callers check it.
 */
public final class KubernetesManifests {

    private static final Logger log = LoggerFactory.getLogger(KubernetesManifests.class);

    private KubernetesManifests() {
    }

    /** The routes and problems of a labelled ConfigMap, or null when it is for another gateway class than {@code classes}. */
    public static RoutesDocumentParser.Result configMap(ConfigMap object, Instant created, GatewayClassSelector classes) {
        return result(ConfigMapRouteSource.read(object, created, classes, ConfigMapRouteSource.DEFAULT_MAX_DOCUMENT_BYTES, log));
    }

    /** The route or problem of a GatewayRoute, or null when it is for another gateway class than {@code classes}. */
    public static RoutesDocumentParser.Result gatewayRoute(GenericKubernetesResource object, Instant created, GatewayClassSelector classes) {
        return result(GatewayRouteSource.read(object, created, classes, log));
    }

    private static RoutesDocumentParser.Result result(InformerRouteSource.ObjectRoutes read) {
        return read == null ? null : new RoutesDocumentParser.Result(read.routes(), read.policies(), read.problems());
    }
}
