package dev.isthmus.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.isthmus.source.kubernetes.GatewayRouteSource;
import dev.isthmus.spec.GatewayRouteStatus;

/**
 * Kubernetes objects and gateway settings for tests against the real API server. There is no
 * kube-controller-manager or kubelet: tests create Services and their EndpointSlices by hand,
 * pointing at real upstream servers in the test's own network namespace ({@link TestNetwork}: the
 * API server refuses loopback addresses), and namespaces are never emptied by the API server
 * (tests delete what they create).
 */
public final class KubeFixtures {

    public static final String CRD_RESOURCE = "META-INF/fabric8/gatewayroutes.isthmus.dev-v1.yml";

    private KubeFixtures() {
    }

    /** The CRD exactly as the build generated it, applied and Established. */
    public static CustomResourceDefinition installCrd(KubernetesClient client) {
        CustomResourceDefinition crd;
        try (InputStream in = KubeFixtures.class.getClassLoader().getResourceAsStream(CRD_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CRD_RESOURCE + " is not on the class path: the build generates it (process-classes)");
            }
            crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        client.resource(crd).forceConflicts().serverSideApply();
        return client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                .waitUntilCondition(KubeFixtures::established, 60, TimeUnit.SECONDS);
    }

    public static boolean established(CustomResourceDefinition crd) {
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    public static void createNamespace(KubernetesClient client, String namespace) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).serverSideApply();
    }

    /**
     * Gateway properties for the API server: the integration on, the connection through Spring Cloud
     * Kubernetes' client settings (as a user would set them), the Lease in {@code namespace}.
     */
    public static Map<String, String> gatewayProperties(KubeApiServer api, String namespace) {
        Config c = api.clientConfig();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("isthmus.kubernetes.enabled", "true");
        p.put("spring.cloud.kubernetes.client.master-url", c.getMasterUrl());
        // kube-api-test's kubeconfig names certificate files; a k3s one carries the data inline
        putIfSet(p, "spring.cloud.kubernetes.client.ca-cert-file", c.getCaCertFile());
        putIfSet(p, "spring.cloud.kubernetes.client.ca-cert-data", c.getCaCertData());
        putIfSet(p, "spring.cloud.kubernetes.client.client-cert-file", c.getClientCertFile());
        putIfSet(p, "spring.cloud.kubernetes.client.client-cert-data", c.getClientCertData());
        putIfSet(p, "spring.cloud.kubernetes.client.client-key-file", c.getClientKeyFile());
        putIfSet(p, "spring.cloud.kubernetes.client.client-key-data", c.getClientKeyData());
        p.put("spring.cloud.kubernetes.client.namespace", namespace);
        p.put("isthmus.kubernetes.lease-namespace", namespace);
        return p;
    }

    private static void putIfSet(Map<String, String> p, String key, String value) {
        if (value != null && !value.isEmpty()) {
            p.put(key, value);
        }
    }

    public static ServicePort port(String name, int port) {
        return new ServicePortBuilder().withName(name).withPort(port).withProtocol("TCP").build();
    }

    /** A Service without a selector: its EndpointSlices are the test's to manage, as no controller runs. */
    public static Service service(String namespace, String name, ServicePort... ports) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withPorts(ports).endSpec().build();
    }

    public static EndpointPort slicePort(String name, int port) {
        return new EndpointPortBuilder().withName(name).withPort(port).withProtocol("TCP").build();
    }

    /** An endpoint with conditions as the EndpointSlice controller would set them. */
    public static Endpoint endpoint(String address, Boolean ready, Boolean terminating) {
        return new EndpointBuilder().withAddresses(address).withNewConditions().withReady(ready).withServing(ready)
                .withTerminating(terminating).endConditions().build();
    }

    public static EndpointSlice slice(String namespace, String name, String service, List<EndpointPort> ports, List<Endpoint> endpoints) {
        return new EndpointSliceBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels("kubernetes.io/service-name", service).endMetadata()
                .withAddressType("IPv4").withPorts(ports).withEndpoints(endpoints).build();
    }

    /** A GatewayRoute from the YAML of its spec. */
    public static GenericKubernetesResource gatewayRoute(String namespace, String name, String specYaml) {
        return gatewayRoute(namespace, name, specYaml, Map.of());
    }

    public static GenericKubernetesResource gatewayRoute(String namespace, String name, String specYaml, Map<String, String> annotations) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion("isthmus.dev/v1alpha1");
        r.setKind("GatewayRoute");
        r.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(namespace)
                .withAnnotations(annotations.isEmpty() ? null : annotations).build());
        r.setAdditionalProperty("spec", Serialization.unmarshal(specYaml, Map.class));
        return r;
    }

    public static GenericKubernetesResource getGatewayRoute(KubernetesClient client, String namespace, String name) {
        return client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(namespace).withName(name).get();
    }

    /** The route's status as the API server has it, or null. */
    public static GatewayRouteStatus status(KubernetesClient client, String namespace, String name) {
        GenericKubernetesResource r = getGatewayRoute(client, namespace, name);
        Object status = r == null ? null : r.getAdditionalProperties().get("status");
        return status == null ? null : client.getKubernetesSerialization().convertValue(status, GatewayRouteStatus.class);
    }

    /** The condition of a type, or null. */
    public static io.fabric8.kubernetes.api.model.Condition condition(GatewayRouteStatus status, String type) {
        if (status == null || status.conditions() == null) {
            return null;
        }
        return status.conditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    /** Milliseconds until the condition holds, polling every few milliseconds; -1 when it never did. */
    public static long millisUntil(Duration timeout, java.util.function.BooleanSupplier condition) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return (System.nanoTime() - start) / 1_000_000;
                }
            }
            catch (RuntimeException ignored) {
                // not yet
            }
            try {
                Thread.sleep(2);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return -1;
    }
}
