package dev.isthmus.compile;

import java.net.URI;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Where a backend's instances come from. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({ @JsonSubTypes.Type(value = BackendTarget.Service.class, name = "service"),
        @JsonSubTypes.Type(value = BackendTarget.Url.class, name = "url"),
        @JsonSubTypes.Type(value = BackendTarget.Unavailable.class, name = "unavailable") })
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

        private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9])?$");
        private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
        private static final Pattern DATACENTER = Pattern.compile("^[A-Za-z0-9_.-]{1,64}$");

        /**
         * Parses a service reference: {@code name}, {@code k8s:[namespace/]name}, {@code consul:name}
         * or {@code consul:datacenter/name} (docs/design.md §3.1).
         *
         * @param namespace where unqualified and {@code k8s:name} references are looked up
         * @throws IllegalArgumentException saying what is wrong with the reference
         */
        public static Service parse(String ref, String namespace, String port) {
            Registry registry = Registry.ANY;
            String ns = namespace;
            String dc = null;
            String name = ref;
            if (ref.startsWith("k8s:")) {
                registry = Registry.KUBERNETES;
                name = ref.substring(4);
                int slash = name.indexOf('/');
                if (slash >= 0) {
                    ns = name.substring(0, slash);
                    name = name.substring(slash + 1);
                    if (!DNS_LABEL.matcher(ns).matches()) {
                        throw new IllegalArgumentException("'" + Text.abbreviate(ref) + "': '" + Text.abbreviate(ns) + "' is not a namespace name");
                    }
                }
                if (!DNS_LABEL.matcher(name).matches()) {
                    throw new IllegalArgumentException("'" + Text.abbreviate(ref) + "': Kubernetes service names are DNS labels");
                }
            }
            else if (ref.startsWith("consul:")) {
                registry = Registry.CONSUL;
                ns = null;
                name = ref.substring(7);
                int slash = name.indexOf('/');
                if (slash >= 0) {
                    dc = name.substring(0, slash);
                    name = name.substring(slash + 1);
                    if (!DATACENTER.matcher(dc).matches()) {
                        throw new IllegalArgumentException("'" + Text.abbreviate(ref) + "': '" + Text.abbreviate(dc) + "' is not a datacenter name");
                    }
                }
            }
            if (name.isEmpty() || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'" + Text.abbreviate(ref)
                        + "' must be a name, k8s:[namespace/]name, consul:name or consul:datacenter/name");
            }
            return new Service(registry, ns, dc, name, port);
        }

        @Override
        public String display() {
            return switch (registry) {
                case ANY -> name + (namespace == null ? "" : "." + namespace);
                case KUBERNETES -> "k8s:" + namespace + "/" + name;
                case CONSUL -> "consul:" + (datacenter == null ? "" : datacenter + "/") + name;
            };
        }
    }

    /**
     * A backend that may not be used: requests it is picked for are answered 500 and never reach
     * anything. The Gateway API prescribes exactly that for a backendRef that is missing, not
     * permitted or of an unknown kind (its share of the traffic fails, the rest is served); written
     * {@code service: "unavailable:<why>"}, which the GatewayRoute CRD's pattern does not admit.
     */
    record Unavailable(String reason) implements BackendTarget {

        public static final String PREFIX = "unavailable:";

        @Override
        public String display() {
            return PREFIX + reason;
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
