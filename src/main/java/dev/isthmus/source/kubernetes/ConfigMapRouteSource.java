package dev.isthmus.source.kubernetes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.PolicyDefinition;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceKind;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.source.RoutesDocumentParser;
import dev.isthmus.platform.kubernetes.NamespacedInformers;
import dev.isthmus.platform.kubernetes.WatchMonitor;
import dev.isthmus.model.ConditionReason;

/**
 * Routes from ConfigMaps labelled {@code isthmus.dev/routes: "true"}: every data key ending in
 * {@code .yaml} is a routes document (docs/design.md §3.2). Route ids are
 * {@code configmap/<namespace>/<configmap>/<route name>}, so route names are unique per ConfigMap,
 * across its keys. Unqualified services resolve in the ConfigMap's namespace.
 * <p>
 * A key that is not a valid document yields a problem and no routes (the other keys still load):
 * what is served is a function of what is in the cluster, so every replica, old or new, agrees.
 * ConfigMaps have no generation; the resource version the content was read at stands in for it.
 * All routes of a ConfigMap are as old as the ConfigMap, which orders conflicts the same way on
 * every replica.
 */
public final class ConfigMapRouteSource extends InformerRouteSource<ConfigMap> {

    public static final String ID = SourceKind.CONFIG_MAP.label();
    public static final String LABEL = "isthmus.dev/routes";
    /** The default of {@code isthmus.ownership.quotas.config-map-size}, for readers without the gateway's properties. */
    public static final long DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024;

    private final KubernetesClient client;
    private final List<String> namespaces;
    private final GatewayClassSelector classes;
    private final long maxDocumentBytes;

    /**
     * @param maxDocumentBytes the largest routes document a ConfigMap may hold, all its {@code .yaml}
     *     keys together ({@code isthmus.ownership.quotas.config-map-size}); a larger one is rejected
     *     whole without being parsed
     */
    public ConfigMapRouteSource(KubernetesClient client, List<String> namespaces, GatewayClassSelector classes,
            CompletionStage<?> prerequisite, WatchMonitor monitor, long maxDocumentBytes) {
        super(ID, prerequisite, monitor);
        this.maxDocumentBytes = maxDocumentBytes;
        this.client = client;
        this.namespaces = List.copyOf(namespaces);
        this.classes = classes;
    }

    public static String routeId(String namespace, String configMap, String route) {
        return ID + "/" + namespace + "/" + configMap + "/" + route;
    }

    @Override
    protected String resourceKind() {
        return "ConfigMap";
    }

    @Override
    protected NamespacedInformers<ConfigMap> createInformers(ResourceEventHandler<ConfigMap> handler, BiConsumer<String, Throwable> onError) {
        return NamespacedInformers.create("configmaps (label " + LABEL + "=true)", namespaces,
                ns -> ns == null ? client.configMaps().inAnyNamespace().withLabel(LABEL, "true")
                        : client.configMaps().inNamespace(ns).withLabel(LABEL, "true"),
                handler, Map.of(), onError);
    }

    @Override
    protected ObjectRoutes read(ConfigMap cm, Instant created) {
        return read(cm, created, classes, maxDocumentBytes, log);
    }

    /** Pure: the routes and problems of one ConfigMap, or null when it is for another gateway class ({@link KubernetesManifests}). */
    static ObjectRoutes read(ConfigMap cm, Instant created, GatewayClassSelector classes, long maxDocumentBytes, org.slf4j.Logger log) {
        String namespace = cm.getMetadata().getNamespace();
        String name = cm.getMetadata().getName();
        Map<String, String> annotations = cm.getMetadata().getAnnotations();
        // The ConfigMap's class annotation is the default class of its routes; problems that belong
        // to no route in particular are this gateway's to report only when the ConfigMap is its class.
        boolean ours = classes.serves(null, annotations);
        ObjectRef ref = new ObjectRef(SourceKind.CONFIG_MAP, namespace, name);
        long generation = generation(cm);
        List<RouteSpec> routes = new ArrayList<>();
        List<PolicyDefinition> policies = new ArrayList<>();
        List<SourceProblem> problems = new ArrayList<>();
        Map<String, String> keyOfRoute = new HashMap<>();
        Map<String, String> keyOfPolicy = new HashMap<>();
        Map<String, String> data = cm.getData() == null ? Map.of() : new TreeMap<>(cm.getData());
        long size = data.entrySet().stream().filter(e -> e.getKey().endsWith(".yaml") && e.getValue() != null)
                .mapToLong(e -> e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).sum();
        if (size > maxDocumentBytes) {
            if (!ours) {
                return null;
            }
            return new ObjectRoutes(List.of(), List.of(new SourceProblem(ref, null, ConditionReason.QUOTA_EXCEEDED, "its routes documents hold "
                    + size + " bytes, more than the quota of " + maxDocumentBytes + " (isthmus.ownership.quotas.config-map-size);"
                    + " none of its routes are read: split them over several ConfigMaps", generation)));
        }
        int documents = 0;
        for (Map.Entry<String, String> entry : data.entrySet()) {
            String key = entry.getKey();
            if (!key.endsWith(".yaml")) {
                continue;
            }
            documents++;
            RoutesDocumentParser.Result result;
            try {
                result = RoutesDocumentParser.parse(entry.getValue(), ref, generation, route -> routeId(namespace, name, route), route -> created);
            }
            catch (RoutesDocumentParser.InvalidDocumentException e) {
                problems.add(new SourceProblem(ref, null, ConditionReason.INVALID_DOCUMENT, "key " + key + ": " + e.getMessage() + "; no routes from this key are served",
                        generation));
                continue;
            }
            for (PolicyDefinition policy : result.policies()) {
                String earlier = keyOfPolicy.putIfAbsent(policy.name(), key);
                if (earlier != null) {
                    problems.add(new SourceProblem(ref, null, ConditionReason.INVALID_NAMED_POLICY, "key " + key + ": policy name '" + policy.name()
                            + "' is already used in key " + earlier + " of this ConfigMap", generation));
                    continue;
                }
                policies.add(policy);
            }
            for (SourceProblem p : result.problems()) {
                problems.add(new SourceProblem(p.object(), p.routeId(), p.reason(), "key " + key + ": " + p.message(), generation));
            }
            for (RouteSpec route : result.routes()) {
                String earlier = keyOfRoute.putIfAbsent(route.name(), key);
                if (earlier != null) {
                    problems.add(new SourceProblem(ref, route.id(), ConditionReason.DUPLICATE, "key " + key + ": route name '" + route.name()
                            + "' is already used in key " + earlier + " of this ConfigMap", generation));
                    continue;
                }
                if (!classes.serves(route.spec().gatewayClassName(), annotations)) {
                    log.debug("Route {} is for gateway class '{}', not {}: ignored", route.id(), route.spec().gatewayClassName(), classes.describe());
                    continue;
                }
                routes.add(route);
            }
        }
        if (documents == 0) {
            log.debug("ConfigMap {}/{} is labelled {} but has no key ending in .yaml", namespace, name, LABEL);
        }
        if (!ours) {
            if (routes.isEmpty()) {
                log.debug("ConfigMap {}/{} is for gateway class '{}', not {}: ignored", namespace, name,
                        GatewayClassSelector.classOf(null, annotations), classes.describe());
                return null;
            }
            problems.clear();
        }
        return new ObjectRoutes(routes, policies, problems);
    }

    @Override
    protected boolean sameRoutes(ConfigMap before, ConfigMap after) {
        return Objects.equals(before.getData(), after.getData())
                && Objects.equals(GatewayClassSelector.classOf(null, before.getMetadata().getAnnotations()),
                        GatewayClassSelector.classOf(null, after.getMetadata().getAnnotations()));
    }

    /** The resource version (a number on every etcd-backed API server), as the content version. */
    static long generation(ConfigMap cm) {
        try {
            return Long.parseLong(cm.getMetadata().getResourceVersion());
        }
        catch (NumberFormatException | NullPointerException e) {
            return 0;
        }
    }
}
