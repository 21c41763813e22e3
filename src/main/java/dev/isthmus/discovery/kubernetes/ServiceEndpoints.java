package dev.isthmus.discovery.kubernetes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

import dev.isthmus.compile.BackendTarget.Registry;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.discovery.Instance;

/**
 * One Service's routable instances per Service port, joined from the Service and all its
 * EndpointSlices the way kube-proxy joins them: a Service port maps to the EndpointSlice ports of
 * the same name, whose port numbers are the real target ports. Immutable; rebuilt on each change
 * of the Service or one of its slices, so requests only ever read a finished value.
 *
 * @param ports in the Service's order; the first is the default port
 */
public record ServiceEndpoints(String namespace, String name, List<PortInstances> ports) {

    /** The instances behind one Service port. */
    public record PortInstances(String name, int port, List<Instance> instances) {
    }

    private static final Comparator<Instance> ORDER = Comparator.comparing(Instance::id);

    public ServiceEndpoints {
        ports = List.copyOf(ports);
    }

    /**
     * @param guard the destination rules: endpoints at an address they refuse (the gateway's own,
     *     loopback, link-local, metadata) are left out, as whoever writes EndpointSlices names them;
     *     FQDN endpoints are kept and checked once resolved, by the upstream client
     */
    public static ServiceEndpoints of(Service service, Collection<EndpointSlice> slices, DestinationGuard guard,
            java.util.function.Consumer<String> refused) {
        String namespace = service.getMetadata().getNamespace();
        String name = service.getMetadata().getName();
        List<ServicePort> servicePorts = service.getSpec() == null || service.getSpec().getPorts() == null
                ? List.of() : service.getSpec().getPorts();
        List<PortInstances> ports = new ArrayList<>();
        for (ServicePort sp : servicePorts) {
            String portName = nameOf(sp.getName());
            Map<String, Instance> instances = new LinkedHashMap<>();
            for (EndpointSlice slice : slices) {
                EndpointPort ep = portOf(slice, portName);
                if (ep == null || ep.getPort() == null || !supported(slice.getAddressType()) || slice.getEndpoints() == null) {
                    continue;
                }
                boolean secure = "https".equalsIgnoreCase(ep.getAppProtocol()) || "https".equalsIgnoreCase(sp.getAppProtocol())
                        || "https".equals(portName);
                for (Endpoint endpoint : slice.getEndpoints()) {
                    if (!routable(endpoint.getConditions()) || endpoint.getAddresses() == null || endpoint.getAddresses().isEmpty()) {
                        continue;
                    }
                    // Only the first address has defined semantics (the EndpointSlice API; kube-proxy does the same).
                    String address = endpoint.getAddresses().get(0);
                    String refusal = guard.refusal(address, ep.getPort(), DestinationGuard.Trust.TENANT);
                    if (refusal != null) {
                        refused.accept("EndpointSlice " + slice.getMetadata().getName() + ": endpoint " + address + ":" + ep.getPort()
                                + " is " + refusal);
                        continue;
                    }
                    Instance instance = instance(namespace, name, endpoint, address, ep.getPort(), secure);
                    instances.putIfAbsent(instance.id(), instance); // an endpoint moving between slices may briefly be in two
                }
            }
            List<Instance> sorted = new ArrayList<>(instances.values());
            sorted.sort(ORDER);
            ports.add(new PortInstances(portName, sp.getPort() == null ? 0 : sp.getPort(), List.copyOf(sorted)));
        }
        return new ServiceEndpoints(namespace, name, ports);
    }

    /**
     * The instances behind a backend's port: a Service port name, a Service port number, or null
     * for the Service's only (or first) port. Empty when the Service has no such port.
     */
    public List<Instance> instances(String port) {
        if (ports.isEmpty()) {
            return List.of();
        }
        if (port == null || port.isEmpty()) {
            return ports.get(0).instances();
        }
        boolean numeric = port.chars().allMatch(Character::isDigit);
        for (PortInstances p : ports) {
            if (numeric ? String.valueOf(p.port()).equals(port) : p.name().equals(port)) {
                return p.instances();
            }
        }
        return List.of();
    }

    /**
     * Whether an endpoint may receive new requests: ready (a missing condition means ready, as
     * the API documents) and not terminating.
     */
    static boolean routable(EndpointConditions conditions) {
        if (conditions == null) {
            return true;
        }
        return !Boolean.FALSE.equals(conditions.getReady()) && !Boolean.TRUE.equals(conditions.getTerminating());
    }

    private static boolean supported(String addressType) {
        return "IPv4".equals(addressType) || "IPv6".equals(addressType) || "FQDN".equals(addressType);
    }

    private static EndpointPort portOf(EndpointSlice slice, String portName) {
        if (slice.getPorts() == null) {
            return null;
        }
        for (EndpointPort p : slice.getPorts()) {
            if (Objects.equals(nameOf(p.getName()), portName)) {
                return p;
            }
        }
        return null;
    }

    /** The API leaves the name of a Service's only port empty: null and "" are the same port. */
    private static String nameOf(String name) {
        return name == null ? "" : name;
    }

    private static Instance instance(String namespace, String service, Endpoint endpoint, String address, int port, boolean secure) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("namespace", namespace);
        metadata.put("service", service);
        if (endpoint.getTargetRef() != null && endpoint.getTargetRef().getName() != null) {
            metadata.put(endpoint.getTargetRef().getKind() == null ? "target" : endpoint.getTargetRef().getKind().toLowerCase(Locale.ROOT),
                    endpoint.getTargetRef().getName());
        }
        if (endpoint.getNodeName() != null) {
            metadata.put("node", endpoint.getNodeName());
        }
        Instance base = Instance.of(address, port, Registry.KUBERNETES);
        return new Instance(base.authority(), address, port, secure, 1, Registry.KUBERNETES, endpoint.getZone(), metadata);
    }
}
