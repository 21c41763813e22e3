package dev.isthmus.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.UpstreamTransport;
import dev.isthmus.compile.WeightedBackend;
import dev.isthmus.compile.policy.MirrorPolicy;
import dev.isthmus.discovery.CompositeServiceResolver;
import dev.isthmus.discovery.Instance;
import dev.isthmus.discovery.OutlierDetector;
import dev.isthmus.discovery.ServiceRegistry;
import dev.isthmus.discovery.consul.ConsulServiceRegistry;
import dev.isthmus.runtime.ActiveRoute;
import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.runtime.upstream.UpstreamClients;
import dev.isthmus.runtime.upstream.UpstreamTlsContexts;

/**
 * {@code /actuator/upstreams}: every backend the served routes use, per route owner (passive health
 * and bulkheads are kept per owner), with its instances by registry (and which the discovery policy
 * selects), their passive health (consecutive failures, ejection), and the circuit-breaker state of
 * the routes that use it.
 */
@Endpoint(id = "upstreams")
public class UpstreamsEndpoint {

    private final RouteTableHolder tables;
    private final CompositeServiceResolver resolver;
    private final OutlierDetector outliers;
    private final CircuitBreakerRegistry breakers;
    private final UpstreamClients clients;

    public UpstreamsEndpoint(RouteTableHolder tables, CompositeServiceResolver resolver, OutlierDetector outliers,
            CircuitBreakerRegistry breakers, UpstreamClients clients) {
        this.tables = tables;
        this.resolver = resolver;
        this.outliers = outliers;
        this.breakers = breakers;
        this.clients = clients;
    }

    public record UpstreamsReport(String policy, List<UpstreamView> upstreams) {
    }

    /**
     * @param byRegistry instance count each registry reports for the name
     * @param instances the instances the resolver selects, with health
     * @param circuitBreakers per route using it: CLOSED, OPEN, HALF_OPEN...
     * @param consulDatacenter the Consul datacenter answering for a service: the named one, else the
     *     default or, while failed over, the failover datacenter serving (null: not Consul, or none serves)
     * @param failedOver a failover datacenter answers, as the default datacenter has no routable instance
     * @param protocol http1, h2c or h2
     * @param tls the backend's own TLS: where its CA and client certificate come from, whether its context
     *     could be built and why not, and its failed handshakes with the latest reason; null without own TLS
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UpstreamView(String backend, String owner, String kind, Map<String, Integer> byRegistry, int healthy,
            List<InstanceView> instances, List<String> routes, Map<String, String> circuitBreakers, String consulDatacenter,
            boolean failedOver, String protocol, Map<String, Object> tls) {
    }

    public record InstanceView(String id, String address, String registry, int weight, String zone, boolean ejected,
            int consecutiveFailures, int timesEjected, long ejectedForMillis) {
    }

    @ReadOperation
    public UpstreamsReport upstreams() {
        Map<String, BackendTarget> targets = new TreeMap<>();
        Map<String, String> owners = new LinkedHashMap<>();
        Map<String, List<String>> routesByTarget = new LinkedHashMap<>();
        Map<String, UpstreamTransport> transports = new LinkedHashMap<>();
        for (ActiveRoute route : tables.get().routes()) {
            String owner = route.compiled().provenance().owner().toString();
            // one entry per target, owner and transport: the same address reached with other TLS settings is another upstream
            Map<BackendTarget, UpstreamTransport> used = new LinkedHashMap<>();
            List<Map.Entry<BackendTarget, UpstreamTransport>> uses = new ArrayList<>();
            for (WeightedBackend b : route.compiled().backends()) {
                uses.add(new java.util.AbstractMap.SimpleEntry<>(b.target(), b.transport()));
            }
            MirrorPolicy mirror = route.compiled().policy(MirrorPolicy.class);
            if (mirror != null) {
                uses.add(new java.util.AbstractMap.SimpleEntry<>(mirror.target(), null));
            }
            for (Map.Entry<BackendTarget, UpstreamTransport> use : uses) {
                BackendTarget t = use.getKey();
                String key = t.display() + "\u0000" + owner + "\u0000" + use.getValue();
                targets.putIfAbsent(key, t);
                owners.putIfAbsent(key, owner);
                if (use.getValue() != null) {
                    transports.putIfAbsent(key, use.getValue());
                }
                List<String> routeIds = routesByTarget.computeIfAbsent(key, k -> new ArrayList<>());
                if (!routeIds.contains(route.id())) {
                    routeIds.add(route.id());
                }
            }
        }
        List<UpstreamView> views = new ArrayList<>();
        targets.forEach((key, target) -> views.add(view(target.display(), owners.get(key), target, routesByTarget.get(key), transports.get(key))));
        return new UpstreamsReport(resolver.policy().name().toLowerCase().replace('_', '-'), views);
    }

    private UpstreamView view(String display, String owner, BackendTarget target, List<String> routes, UpstreamTransport transport) {
        Map<String, Integer> byRegistry = new LinkedHashMap<>();
        List<Instance> selected;
        String consulDatacenter = null;
        boolean failedOver = false;
        if (target instanceof BackendTarget.Service service) {
            if (resolver.consul() instanceof ConsulServiceRegistry consul && service.registry() != BackendTarget.Registry.KUBERNETES) {
                consulDatacenter = service.datacenter() != null ? service.datacenter() : consul.servingDatacenter(service.name());
                List<String> candidates = consul.failoverCandidates();
                failedOver = service.datacenter() == null && consulDatacenter != null && !candidates.isEmpty()
                        && !consulDatacenter.equals(candidates.get(0));
            }
            count(byRegistry, "kubernetes", resolver.kubernetes(), service);
            count(byRegistry, "consul", resolver.consul(), service);
            selected = resolver.resolve(service);
        }
        else if (target instanceof BackendTarget.Unavailable) {
            selected = List.of();
        }
        else {
            BackendTarget.Url url = (BackendTarget.Url) target;
            int port = url.uri().getPort() > 0 ? url.uri().getPort() : "https".equals(url.uri().getScheme()) ? 443 : 80;
            selected = List.of(Instance.of(url.uri().getHost(), port, BackendTarget.Registry.ANY));
            byRegistry.put("url", 1);
        }
        List<InstanceView> instances = selected.stream().map(i -> {
            var e = outliers.describe(owner, i);
            return new InstanceView(i.id(), i.authority(), i.registry().name().toLowerCase(), i.weight(), i.zone(), e.ejected(),
                    e.consecutiveFailures(), e.timesEjected(), e.remainingMillis());
        }).toList();
        Map<String, String> cb = new LinkedHashMap<>();
        for (String routeId : Set.copyOf(routes)) {
            breakers.find(routeId).ifPresent(b -> cb.put(routeId, b.getState().name()));
        }
        int healthy = (int) instances.stream().filter(i -> !i.ejected()).count();
        return new UpstreamView(display, owner, target instanceof BackendTarget.Service ? "service"
                : target instanceof BackendTarget.Unavailable ? "unavailable" : "url", byRegistry, healthy, instances,
                routes, cb, consulDatacenter, failedOver, transport == null ? "http1" : transport.protocol().name().toLowerCase(java.util.Locale.ROOT),
                tls(transport));
    }

    private Map<String, Object> tls(UpstreamTransport transport) {
        UpstreamTlsContexts.Handle h = clients.tlsHandle(transport);
        return h == null ? null : clients.contexts().describe(h);
    }

    private static void count(Map<String, Integer> byRegistry, String name, ServiceRegistry registry, BackendTarget.Service service) {
        if (registry == null) {
            return;
        }
        BackendTarget.Registry wanted = service.registry();
        if (wanted == BackendTarget.Registry.ANY || wanted == registry.kind()) {
            byRegistry.put(name, registry.instances(service).size());
        }
    }
}
