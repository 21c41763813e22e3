package dev.isthmus.config;

import java.util.ArrayList;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import dev.isthmus.compile.ownership.DestinationGuard;

/**
 * Route ownership ({@code isthmus.ownership.*}, docs/security.md): who may serve which hosts, use
 * which backends, and how much. Every route has an owner: the routes file (the operator), a
 * Kubernetes namespace (GatewayRoutes, ConfigMaps), or a Consul service.
 */
@ConfigurationProperties("isthmus.ownership")
@Validated
public class OwnershipProperties {

    /**
     * The host policy: rules giving owners (namespaces, Consul services) host patterns (exact, '*.suffix', or '*' for the
     * default host, i.e. routes without hosts). Empty: no policy, and a tenant may serve a host only while no other owner
     * does (the first claim wins). The routes file may serve any host either way.
     */
    @Valid
    private List<HostRule> hosts = new ArrayList<>();
    /** Hosts (exact or '*.suffix') that several owners may serve together; their routes are then ordered by precedence across owners. */
    private List<String> sharedHosts = new ArrayList<>();
    /**
     * Consul services a namespace's routes may use: its unqualified service names may fall back to them (by
     * isthmus.discovery.policy) and it may name them as consul:[dc/]name. Without a rule, a namespace's names resolve in
     * Kubernetes only.
     */
    @Valid
    private List<ConsulServices> consulServices = new ArrayList<>();
    /**
     * Cross-namespace Service references the operator allows (as a ReferenceGrant in to-namespace would), for clusters
     * without the Gateway API's ReferenceGrant CRD or in addition to it.
     */
    @Valid
    private List<Grant> grants = new ArrayList<>();
    /** Read the Gateway API's ReferenceGrants (gateway.networking.k8s.io/v1beta1) when their CRD is installed (auto), or never (off). */
    @NotNull
    private ReferenceGrantMode referenceGrants = ReferenceGrantMode.AUTO;
    /**
     * Let a request to a host that has routes, none of which matches, fall through to the routes file's wildcard and
     * host-less routes (never to another owner's). Off: a host with routes is closed, as Envoy's virtual hosts are.
     */
    private boolean fallThrough = false;
    @Valid
    private final Quotas quotas = new Quotas();
    @Valid
    private final Destinations destinations = new Destinations();

    public enum ReferenceGrantMode {
        AUTO, OFF
    }

    /** One rule of the host policy: these owners may serve these hosts. */
    public static class HostRule {
        /** Namespaces (names or globs with '*') whose GatewayRoutes and ConfigMaps this rule is for. */
        private List<String> namespaces = new ArrayList<>();
        /** Consul services (names or globs) whose tag routes this rule is for. */
        private List<String> consulServices = new ArrayList<>();
        /** A tag every registered instance of the Consul service must carry (e.g. 'zone=public') for the rule to apply. */
        private String consulTag;
        /** Consul datacenters the rule applies in (names or globs); empty for all. */
        private List<String> datacenters = new ArrayList<>();
        /** Host patterns: exact, '*.suffix', or '*' for the default host (routes without hosts). */
        private List<String> hosts = new ArrayList<>();

        public List<String> getNamespaces() {
            return namespaces;
        }

        public void setNamespaces(List<String> namespaces) {
            this.namespaces = namespaces;
        }

        public List<String> getConsulServices() {
            return consulServices;
        }

        public void setConsulServices(List<String> consulServices) {
            this.consulServices = consulServices;
        }

        public String getConsulTag() {
            return consulTag;
        }

        public void setConsulTag(String consulTag) {
            this.consulTag = consulTag;
        }

        public List<String> getDatacenters() {
            return datacenters;
        }

        public void setDatacenters(List<String> datacenters) {
            this.datacenters = datacenters;
        }

        public List<String> getHosts() {
            return hosts;
        }

        public void setHosts(List<String> hosts) {
            this.hosts = hosts;
        }
    }

    /** Consul services some namespaces may use. */
    public static class ConsulServices {
        /** Namespaces (names or globs). */
        private List<String> namespaces = new ArrayList<>();
        /** Consul service names (names or globs). */
        private List<String> services = new ArrayList<>();
        /** Datacenters (names or globs); empty: the default datacenter only for unqualified names, any for consul:dc/name. */
        private List<String> datacenters = new ArrayList<>();

        public List<String> getNamespaces() {
            return namespaces;
        }

        public void setNamespaces(List<String> namespaces) {
            this.namespaces = namespaces;
        }

        public List<String> getServices() {
            return services;
        }

        public void setServices(List<String> services) {
            this.services = services;
        }

        public List<String> getDatacenters() {
            return datacenters;
        }

        public void setDatacenters(List<String> datacenters) {
            this.datacenters = datacenters;
        }
    }

    /** Routes in from-namespace may use Services of to-namespace. */
    public static class Grant {
        /** The namespace whose routes may refer. */
        private String fromNamespace;
        /** The namespace whose Services they may refer to. */
        private String toNamespace;
        /** The Services they may use; empty for every Service of to-namespace. */
        private List<String> services = new ArrayList<>();

        public String getFromNamespace() {
            return fromNamespace;
        }

        public void setFromNamespace(String fromNamespace) {
            this.fromNamespace = fromNamespace;
        }

        public String getToNamespace() {
            return toNamespace;
        }

        public void setToNamespace(String toNamespace) {
            this.toNamespace = toNamespace;
        }

        public List<String> getServices() {
            return services;
        }

        public void setServices(List<String> services) {
            this.services = services;
        }
    }

    /** What one owner may use up; past a quota its newest routes are refused (QuotaExceeded) and nothing else is affected. */
    public static class Quotas {
        /** Most routes one owner other than the routes file may have served (a namespace, a Consul service); 0 for no limit. */
        @Min(0)
        private int routesPerOwner = 250;
        /** Largest routes document a ConfigMap may hold (the sum of its '.yaml' keys); larger ConfigMaps are not parsed at all. */
        @NotNull
        private DataSize configMapSize = DataSize.ofKilobytes(256);
        /** Most Consul services with isthmus.* tags the gateway watches per datacenter (one blocking query each); 0 for no limit. */
        @Min(0)
        private int consulTaggedServices = 100;

        public int getRoutesPerOwner() {
            return routesPerOwner;
        }

        public void setRoutesPerOwner(int routesPerOwner) {
            this.routesPerOwner = routesPerOwner;
        }

        public DataSize getConfigMapSize() {
            return configMapSize;
        }

        public void setConfigMapSize(DataSize configMapSize) {
            this.configMapSize = configMapSize;
        }

        public int getConsulTaggedServices() {
            return consulTaggedServices;
        }

        public void setConsulTaggedServices(int consulTaggedServices) {
            this.consulTaggedServices = consulTaggedServices;
        }
    }

    /** Where the gateway refuses to connect on a route author's behalf (url: backends, Consul and EndpointSlice addresses, DNS answers). */
    public static class Destinations {
        /** Networks no route may send to, the routes file's included. Default: link-local (169.254.0.0/16, fe80::/10) and cloud metadata addresses. */
        private List<String> deniedCidrs = new ArrayList<>(DestinationGuard.DEFAULT_DENIED);
        /** Let tenants' url: backends and registry addresses (Consul instances) be loopback, e.g. a single-machine Consul in development. The gateway's own ports stay denied. */
        private boolean allowLoopback = false;

        public List<String> getDeniedCidrs() {
            return deniedCidrs;
        }

        public void setDeniedCidrs(List<String> deniedCidrs) {
            this.deniedCidrs = deniedCidrs;
        }

        public boolean isAllowLoopback() {
            return allowLoopback;
        }

        public void setAllowLoopback(boolean allowLoopback) {
            this.allowLoopback = allowLoopback;
        }
    }

    public List<HostRule> getHosts() {
        return hosts;
    }

    public void setHosts(List<HostRule> hosts) {
        this.hosts = hosts;
    }

    public List<String> getSharedHosts() {
        return sharedHosts;
    }

    public void setSharedHosts(List<String> sharedHosts) {
        this.sharedHosts = sharedHosts;
    }

    public List<ConsulServices> getConsulServices() {
        return consulServices;
    }

    public void setConsulServices(List<ConsulServices> consulServices) {
        this.consulServices = consulServices;
    }

    public List<Grant> getGrants() {
        return grants;
    }

    public void setGrants(List<Grant> grants) {
        this.grants = grants;
    }

    public ReferenceGrantMode getReferenceGrants() {
        return referenceGrants;
    }

    public void setReferenceGrants(ReferenceGrantMode referenceGrants) {
        this.referenceGrants = referenceGrants;
    }

    public boolean isFallThrough() {
        return fallThrough;
    }

    public void setFallThrough(boolean fallThrough) {
        this.fallThrough = fallThrough;
    }

    public Quotas getQuotas() {
        return quotas;
    }

    public Destinations getDestinations() {
        return destinations;
    }
}
