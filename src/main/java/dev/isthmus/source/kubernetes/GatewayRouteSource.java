package dev.isthmus.source.kubernetes;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.Provenance;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceKind;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.source.RoutesDocumentParser;
import dev.isthmus.spec.GatewayRoute;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.platform.kubernetes.NamespacedInformers;
import dev.isthmus.platform.kubernetes.WatchMonitor;
import dev.isthmus.model.ConditionReason;

/**
 * Routes from GatewayRoute objects ({@code gatewayroutes.isthmus.dev}): one route per object, id
 * {@code gatewayroute/<namespace>/<name>}, generation {@code metadata.generation}, created as
 * {@link InformerRouteSource} dates it.
 * <p>
 * Objects are watched untyped and each spec is read on its own by the same rules as a routes file
 * entry ({@link RoutesDocumentParser#readSpec}). A typed informer would deserialize the whole list
 * at once, so one object it cannot read (stored under an older schema, or with a field from a newer
 * one) would stop every route from loading; here that object alone is rejected, with the reason.
 */
public final class GatewayRouteSource extends InformerRouteSource<GenericKubernetesResource> {

    public static final String ID = SourceKind.GATEWAY_ROUTE.label();
    public static final ResourceDefinitionContext CONTEXT = ResourceDefinitionContext.fromResourceType(GatewayRoute.class);

    private final KubernetesClient client;
    private final List<String> namespaces;
    private final GatewayClassSelector classes;

    public GatewayRouteSource(KubernetesClient client, List<String> namespaces, GatewayClassSelector classes,
            CompletionStage<?> prerequisite, WatchMonitor monitor) {
        super(ID, prerequisite, monitor);
        this.client = client;
        this.namespaces = List.copyOf(namespaces);
        this.classes = classes;
    }

    public static String routeId(String namespace, String name) {
        return ID + "/" + namespace + "/" + name;
    }

    @Override
    protected String resourceKind() {
        return "GatewayRoute";
    }

    @Override
    protected NamespacedInformers<GenericKubernetesResource> createInformers(ResourceEventHandler<GenericKubernetesResource> handler,
            BiConsumer<String, Throwable> onError) {
        return NamespacedInformers.create(CONTEXT.getPlural() + "." + CONTEXT.getGroup(), namespaces,
                ns -> ns == null ? client.genericKubernetesResources(CONTEXT).inAnyNamespace()
                        : client.genericKubernetesResources(CONTEXT).inNamespace(ns),
                handler, Map.of(), onError);
    }

    @Override
    protected ObjectRoutes read(GenericKubernetesResource object, Instant created) {
        return read(object, created, classes, log);
    }

    /** Pure: the route or problem of one GatewayRoute, or null when it is for another gateway class ({@link KubernetesManifests}). */
    static ObjectRoutes read(GenericKubernetesResource object, Instant created, GatewayClassSelector classes, org.slf4j.Logger log) {
        String namespace = object.getMetadata().getNamespace();
        String name = object.getMetadata().getName();
        Object spec = object.getAdditionalProperties().get("spec");
        String specClass = spec instanceof Map<?, ?> m && m.get("gatewayClassName") instanceof String s ? s : null;
        if (!classes.serves(specClass, object.getMetadata().getAnnotations())) {
            log.debug("GatewayRoute {}/{} is for gateway class '{}', not {}: ignored", namespace, name,
                    GatewayClassSelector.classOf(specClass, object.getMetadata().getAnnotations()), classes.describe());
            return null;
        }
        ObjectRef ref = new ObjectRef(SourceKind.GATEWAY_ROUTE, namespace, name);
        String id = routeId(namespace, name);
        long generation = generation(object);
        if (spec == null) {
            return new ObjectRoutes(List.of(), List.of(new SourceProblem(ref, id, ConditionReason.INVALID_SPEC, "spec is required", generation)));
        }
        GatewayRouteSpec parsed;
        try {
            parsed = RoutesDocumentParser.readSpec(spec);
        }
        catch (IllegalArgumentException e) {
            return new ObjectRoutes(List.of(), List.of(new SourceProblem(ref, id, ConditionReason.INVALID_SPEC, "spec: " + e.getMessage(), generation)));
        }
        return new ObjectRoutes(List.of(new RouteSpec(id, name, new Provenance(ref, generation, created), parsed)), List.of());
    }

    /** Status-only updates (our own status writes among them) leave generation and annotations alone. */
    @Override
    protected boolean sameRoutes(GenericKubernetesResource before, GenericKubernetesResource after) {
        return generation(before) == generation(after)
                && Objects.equals(classAnnotation(before), classAnnotation(after));
    }

    public static long generation(GenericKubernetesResource object) {
        Long g = object.getMetadata().getGeneration();
        return g == null ? 0 : g;
    }

    private static String classAnnotation(GenericKubernetesResource object) {
        Map<String, String> a = object.getMetadata().getAnnotations();
        return a == null ? null : a.get(GatewayClassSelector.ANNOTATION);
    }
}
