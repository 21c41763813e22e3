package dev.isthmus.discovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.BackendTarget.Registry;

/**
 * Resolves a backend service across Kubernetes and Consul by {@code isthmus.discovery.policy}
 * (docs/design.md §3.4). Qualified names ({@code k8s:}, {@code consul:}) go to their registry only.
 * Deterministic: the same registry state always gives the same instances in the same order,
 * unlike Spring Cloud Commons' composite client, which answers with whichever client is first
 * and never merges.
 */
public final class CompositeServiceResolver implements ServiceResolver {

    private static final Comparator<Instance> ORDER = Comparator.comparing(Instance::registry).thenComparing(Instance::id);

    private final DiscoveryPolicy policy;
    private final ServiceRegistry kubernetes;
    private final ServiceRegistry consul;

    /** @param kubernetes null when disabled; @param consul null when disabled */
    public CompositeServiceResolver(DiscoveryPolicy policy, ServiceRegistry kubernetes, ServiceRegistry consul) {
        this.policy = policy;
        this.kubernetes = kubernetes;
        this.consul = consul;
    }

    @Override
    public List<Instance> resolve(BackendTarget.Service service) {
        if (service.registry() == Registry.KUBERNETES) {
            return kubernetes == null ? List.of() : kubernetes.instances(service);
        }
        if (service.registry() == Registry.CONSUL) {
            return consul == null ? List.of() : consul.instances(service);
        }
        if (kubernetes == null) {
            return consul == null ? List.of() : consul.instances(service);
        }
        if (consul == null) {
            return kubernetes.instances(service);
        }
        return switch (policy) {
            case PREFER_KUBERNETES -> kubernetes.knows(service) ? kubernetes.instances(service) : consul.instances(service);
            case PREFER_CONSUL -> consul.knows(service) ? consul.instances(service) : kubernetes.instances(service);
            case FAILOVER -> {
                List<Instance> primary = kubernetes.instances(service);
                yield primary.isEmpty() ? consul.instances(service) : primary;
            }
            case MERGE -> merge(kubernetes.instances(service), consul.instances(service));
        };
    }

    private static List<Instance> merge(List<Instance> a, List<Instance> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        List<Instance> all = new ArrayList<>(a.size() + b.size());
        all.addAll(a);
        all.addAll(b);
        all.sort(ORDER);
        return List.copyOf(all);
    }

    public DiscoveryPolicy policy() {
        return policy;
    }

    public ServiceRegistry kubernetes() {
        return kubernetes;
    }

    public ServiceRegistry consul() {
        return consul;
    }
}
