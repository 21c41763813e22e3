package dev.isthmus.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import dev.isthmus.compile.HostPattern;
import dev.isthmus.compile.ownership.ConsulBinding;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.compile.ownership.HostGrant;
import dev.isthmus.compile.ownership.NamePattern;
import dev.isthmus.compile.ownership.OwnerSelector;
import dev.isthmus.compile.ownership.OwnershipPolicy;
import dev.isthmus.model.ReferenceGrants;
import dev.isthmus.model.Cidrs;
import dev.isthmus.model.ReferenceGrant;
import dev.isthmus.platform.GatewayAddresses;

/**
 * Route ownership ({@code isthmus.ownership.*}): the {@link OwnershipPolicy} the compiler applies
 * and the {@link DestinationGuard} that the compiler, the registries and the upstream HTTP client
 * share. Invalid rules stop start-up, naming the property. Before the routing and registry
 * auto-configurations, which use both.
 */
@AutoConfiguration(before = RoutingAutoConfiguration.class)
@EnableConfigurationProperties(OwnershipProperties.class)
public class OwnershipAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(OwnershipAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    DestinationGuard destinationGuard(OwnershipProperties properties, Environment environment) {
        Set<Integer> ports = gatewayPorts(environment);
        List<String> own = GatewayAddresses.local();
        DestinationGuard guard = guard(properties, ports, own);
        log.info("Upstream destinations denied: {}, the gateway's own ports {} on loopback and on {}; loopback {} for tenants",
                properties.getDestinations().getDeniedCidrs(), ports, own,
                properties.getDestinations().isAllowLoopback() ? "allowed" : "denied");
        return guard;
    }

    /** The ports this gateway listens on: traffic, management, the redirect listener (a random port 0 is unknown here and left out). */
    public static Set<Integer> gatewayPorts(Environment environment) {
        Set<Integer> ports = new HashSet<>();
        ports.add(environment.getProperty("server.port", Integer.class, 8080));
        Integer management = environment.getProperty("management.server.port", Integer.class);
        if (management != null) {
            ports.add(management);
        }
        if (environment.getProperty("isthmus.http-redirect.enabled", Boolean.class, false)) {
            ports.add(environment.getProperty("isthmus.http-redirect.port", Integer.class, 8080));
        }
        ports.remove(0); // loopback and the gateway's addresses stay denied to tenants
        return ports;
    }

    /**
     * The destination rules the properties describe, for a gateway listening on {@code ports} with
     * these interface addresses.
     *
     * @throws IllegalStateException naming the property of an invalid network
     */
    public static DestinationGuard guard(OwnershipProperties properties, Set<Integer> ports, List<String> ownAddresses) {
        OwnershipProperties.Destinations d = properties.getDestinations();
        Cidrs denied = cidrs("isthmus.ownership.destinations.denied-cidrs", d.getDeniedCidrs());
        return new DestinationGuard(denied, d.isAllowLoopback(), Cidrs.parse(ownAddresses), ports);
    }

    @Bean
    @ConditionalOnMissingBean
    OwnershipPolicy ownershipPolicy(OwnershipProperties properties, DestinationGuard guard) {
        OwnershipPolicy policy = policy(properties, guard);
        log.info("Route ownership: {}; {} shared host(s), {} Consul binding(s), {} configured grant(s), at most {} route(s) per owner;"
                + " requests to a host with routes {}", policy.hasHostPolicy() ? policy.hostGrants().size() + " host rule(s)"
                        : "no host policy (the first claim of a host wins)", policy.sharedHosts().size(), policy.consulBindings().size(),
                policy.grants().size(), policy.maxRoutesPerOwner() == 0 ? "unlimited" : policy.maxRoutesPerOwner(),
                properties.isFallThrough() ? "fall through to the operator's catch-alls" : "never fall through to catch-alls");
        return policy;
    }

    /**
     * The policy the properties describe.
     *
     * @throws IllegalStateException naming the property of an invalid rule
     */
    public static OwnershipPolicy policy(OwnershipProperties properties, DestinationGuard guard) {
        List<HostGrant> grants = new ArrayList<>();
        for (int i = 0; i < properties.getHosts().size(); i++) {
            OwnershipProperties.HostRule r = properties.getHosts().get(i);
            String where = "isthmus.ownership.hosts[" + i + "]";
            OwnerSelector owners = new OwnerSelector(patterns(where + ".namespaces", r.getNamespaces()),
                    patterns(where + ".consul-services", r.getConsulServices()), r.getConsulTag(),
                    patterns(where + ".datacenters", r.getDatacenters()));
            if (owners.isEmpty()) {
                throw invalid(where, "names no owner: give namespaces or consul-services");
            }
            List<HostPattern> hosts = new ArrayList<>();
            boolean defaultHost = false;
            for (String h : r.getHosts()) {
                if (HostGrant.DEFAULT_HOST.equals(h == null ? null : h.trim())) {
                    defaultHost = true;
                    continue;
                }
                hosts.add(host(where + ".hosts", h));
            }
            if (hosts.isEmpty() && !defaultHost) {
                throw invalid(where + ".hosts", "is empty: give host patterns, or '*' for the default host");
            }
            grants.add(new HostGrant(owners, hosts, defaultHost));
        }
        List<HostPattern> shared = properties.getSharedHosts().stream().map(h -> host("isthmus.ownership.shared-hosts", h)).toList();
        List<ConsulBinding> bindings = new ArrayList<>();
        for (int i = 0; i < properties.getConsulServices().size(); i++) {
            OwnershipProperties.ConsulServices c = properties.getConsulServices().get(i);
            String where = "isthmus.ownership.consul-services[" + i + "]";
            if (c.getNamespaces().isEmpty() || c.getServices().isEmpty()) {
                throw invalid(where, "needs namespaces and services");
            }
            bindings.add(new ConsulBinding(patterns(where + ".namespaces", c.getNamespaces()), patterns(where + ".services", c.getServices()),
                    patterns(where + ".datacenters", c.getDatacenters())));
        }
        List<ReferenceGrant> configured = new ArrayList<>();
        for (int i = 0; i < properties.getGrants().size(); i++) {
            OwnershipProperties.Grant g = properties.getGrants().get(i);
            String where = "isthmus.ownership.grants[" + i + "]";
            if (g.getFromNamespace() == null || g.getFromNamespace().isBlank() || g.getToNamespace() == null || g.getToNamespace().isBlank()) {
                throw invalid(where, "needs from-namespace and to-namespace");
            }
            List<ReferenceGrant.To> to = g.getServices().isEmpty() ? List.of(new ReferenceGrant.To(ReferenceGrant.CORE, "Service", null))
                    : g.getServices().stream().map(s -> new ReferenceGrant.To(ReferenceGrant.CORE, "Service", s.trim())).toList();
            configured.add(new ReferenceGrant(g.getToNamespace().trim(), ReferenceGrants.everyRouteKindIn(g.getFromNamespace().trim()), to));
        }
        return new OwnershipPolicy(grants, shared, bindings, configured, properties.getQuotas().getRoutesPerOwner(), guard);
    }

    private static HostPattern host(String property, String text) {
        try {
            return HostPattern.parse(text == null ? null : text.trim().toLowerCase(Locale.ROOT));
        }
        catch (IllegalArgumentException e) {
            throw invalid(property, e.getMessage());
        }
    }

    private static List<NamePattern> patterns(String property, List<String> texts) {
        try {
            return NamePattern.all(texts);
        }
        catch (IllegalArgumentException e) {
            throw invalid(property, e.getMessage());
        }
    }

    private static Cidrs cidrs(String property, List<String> entries) {
        try {
            return Cidrs.parse(entries);
        }
        catch (IllegalArgumentException e) {
            throw invalid(property, e.getMessage());
        }
    }

    private static IllegalStateException invalid(String property, String message) {
        return new IllegalStateException("Invalid " + property + ": " + message);
    }
}
