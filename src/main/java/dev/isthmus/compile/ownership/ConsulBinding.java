package dev.isthmus.compile.ownership;

import java.util.List;

/**
 * Which Consul services a namespace's routes may use ({@code isthmus.ownership.consul-services}):
 * its unqualified service names may fall back to (or merge with) these, and it may name them as
 * {@code consul:[dc/]name}. Without a binding a namespace's names resolve in Kubernetes only: a VM
 * that registers a service called like a namespace's Service gets none of its traffic.
 */
public record ConsulBinding(List<NamePattern> namespaces, List<NamePattern> services, List<NamePattern> datacenters) {

    public ConsulBinding {
        namespaces = List.copyOf(namespaces);
        services = List.copyOf(services);
        datacenters = List.copyOf(datacenters);
    }

    /** @param datacenter null for the default datacenter, which every binding without datacenters covers */
    boolean permits(String namespace, String service, String datacenter) {
        return NamePattern.any(namespaces, namespace) && NamePattern.any(services, service)
                && (datacenters.isEmpty() || datacenter != null && NamePattern.any(datacenters, datacenter));
    }
}
