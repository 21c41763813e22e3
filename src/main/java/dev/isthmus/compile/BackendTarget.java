package dev.isthmus.compile;

import java.net.URI;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Where a backend's instances come from. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({ @JsonSubTypes.Type(value = BackendTarget.Service.class, name = "service"),
        @JsonSubTypes.Type(value = BackendTarget.Url.class, name = "url") })
public sealed interface BackendTarget {

    /** A human-readable name, used in metrics tags, logs and status messages. */
    String display();

    /** Which registries may answer for a service. */
    enum Registry {
        /** Unqualified name: {@code isthmus.discovery.policy} decides. */
        ANY,
        KUBERNETES,
        CONSUL
    }

    /**
     * A discovered service.
     *
     * @param namespace the Kubernetes namespace it is looked up in (Kubernetes and ANY)
     * @param datacenter the Consul datacenter, null for the default one: the first of
     *     {@code isthmus.consul.datacenters}, else the agent's own (Consul and ANY)
     * @param port a port name or number, null for the only or first port (Kubernetes; a Consul
     *     instance registers exactly one port, which is always used)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Service(Registry registry, String namespace, String datacenter, String name, String port) implements BackendTarget {
        @Override
        public String display() {
            return switch (registry) {
                case ANY -> name + (namespace == null ? "" : "." + namespace);
                case KUBERNETES -> "k8s:" + namespace + "/" + name;
                case CONSUL -> "consul:" + (datacenter == null ? "" : datacenter + "/") + name;
            };
        }
    }

    /** A fixed address. */
    record Url(URI uri) implements BackendTarget {
        @Override
        public String display() {
            return uri.toString();
        }
    }
}
