package dev.isthmus.deploy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Rendered chart manifests applied to a real kube-apiserver the way {@code helm install} sends
 * them: CRDs first (and waited for until Established), then every other object, by server-side
 * apply. Remembers what it created and deletes it on close. The API server has no controllers
 * (no kubelet, no namespace controller), so objects are deleted one by one and namespaces are
 * finalized explicitly.
 */
final class ChartInstall implements AutoCloseable {

    private final KubernetesClient admin;
    private final List<HasMetadata> created = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();
    private final List<HasMetadata> applied = new ArrayList<>();

    ChartInstall(KubernetesClient admin) {
        this.admin = admin;
    }

    /** Creates a namespace (for the release, or one the gateway watches); deleted on close. */
    void namespace(String name) {
        if (admin.namespaces().withName(name).get() == null) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
            namespaces.add(name);
        }
    }

    /** Applies every rendered object; returns them as the API server stored them. */
    List<HasMetadata> apply(String renderedYaml) {
        List<HasMetadata> items = admin.load(new ByteArrayInputStream(renderedYaml.getBytes(StandardCharsets.UTF_8))).items();
        List<HasMetadata> crds = items.stream().filter(i -> i instanceof CustomResourceDefinition).toList();
        for (HasMetadata crd : crds) {
            boolean existed = admin.resource(crd).get() != null;
            HasMetadata stored = admin.resource(crd).fieldManager("isthmus-chart-test").forceConflicts().serverSideApply();
            if (!existed) {
                created.add(stored);
            }
            admin.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                    .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus().getConditions().stream()
                            .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())), 60, TimeUnit.SECONDS);
        }
        List<HasMetadata> result = new ArrayList<>();
        for (HasMetadata item : items) {
            if (item instanceof CustomResourceDefinition) {
                continue;
            }
            boolean existed = admin.resource(item).get() != null;
            HasMetadata stored;
            try {
                stored = admin.resource(item).fieldManager("isthmus-chart-test").forceConflicts().serverSideApply();
            }
            catch (KubernetesClientException e) {
                throw new AssertionError("the API server rejected " + item.getKind() + " " + item.getMetadata().getNamespace() + "/"
                        + item.getMetadata().getName() + ": " + e.getMessage(), e);
            }
            if (!existed) {
                created.add(stored);
            }
            result.add(stored);
        }
        applied.addAll(result);
        return result;
    }

    List<HasMetadata> applied() {
        return Collections.unmodifiableList(applied);
    }

    private void purge(String ns) {
        List<Runnable> deletions = List.of(
                () -> admin.genericKubernetesResources(HelmRbacIT.GATEWAY_ROUTES).inNamespace(ns).delete(),
                () -> admin.apps().deployments().inNamespace(ns).delete(),
                () -> admin.services().inNamespace(ns).delete(),
                () -> admin.discovery().v1().endpointSlices().inNamespace(ns).delete(),
                () -> admin.configMaps().inNamespace(ns).delete(),
                () -> admin.secrets().inNamespace(ns).delete(),
                () -> admin.serviceAccounts().inNamespace(ns).delete(),
                () -> admin.rbac().roles().inNamespace(ns).delete(),
                () -> admin.rbac().roleBindings().inNamespace(ns).delete(),
                () -> admin.leases().inNamespace(ns).delete(),
                () -> admin.v1().events().inNamespace(ns).delete(),
                () -> admin.events().v1().events().inNamespace(ns).delete(),
                () -> admin.policy().v1().podDisruptionBudget().inNamespace(ns).delete(),
                () -> admin.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).delete(),
                () -> admin.network().networkPolicies().inNamespace(ns).delete());
        for (Runnable deletion : deletions) {
            try {
                deletion.run();
            }
            catch (KubernetesClientException e) {
                // a kind the API server does not serve (the CRD may be gone already)
            }
        }
    }

    @Override
    public void close() {
        List<HasMetadata> reversed = new ArrayList<>(created);
        Collections.reverse(reversed);
        for (HasMetadata o : reversed) {
            try {
                admin.resource(o).withGracePeriod(0).delete();
            }
            catch (KubernetesClientException e) {
                // already gone
            }
        }
        for (String ns : namespaces) {
            deleteNamespace(ns);
        }
    }

    /**
     * Deletes a namespace doing the namespace controller's part: first everything a test may have
     * put in it (the chart's objects and those the tests create), then the finalizer.
     */
    void deleteNamespace(String name) {
        purge(name);
        admin.namespaces().withName(name).delete();
        Namespace ns = admin.namespaces().withName(name).get();
        if (ns != null && ns.getSpec() != null && ns.getSpec().getFinalizers() != null && !ns.getSpec().getFinalizers().isEmpty()) {
            ns.getSpec().setFinalizers(List.of());
            admin.raw("/api/v1/namespaces/" + name + "/finalize", "PUT", ns);
        }
        if (!dev.isthmus.testsupport.Await.until(java.time.Duration.ofSeconds(10), () -> admin.namespaces().withName(name).get() == null)) {
            throw new AssertionError("namespace " + name + " was not deleted");
        }
    }
}
