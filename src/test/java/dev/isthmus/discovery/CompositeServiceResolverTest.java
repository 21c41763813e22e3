package dev.isthmus.discovery;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.BackendTarget.Registry;

import static org.assertj.core.api.Assertions.assertThat;

/** Policy logic over in-memory registries; the registries themselves are proved against real servers in their ITs. */
class CompositeServiceResolverTest {

    /** A registry holding fixed state: known services and their routable instances. */
    record FixedRegistry(Registry kind, Map<String, List<Instance>> services) implements ServiceRegistry {
        @Override
        public boolean knows(BackendTarget.Service service) {
            return services.containsKey(service.name());
        }

        @Override
        public List<Instance> instances(BackendTarget.Service service) {
            return services.getOrDefault(service.name(), List.of());
        }

        @Override
        public Map<String, List<Instance>> snapshot() {
            return services;
        }
    }

    static final Instance K1 = new Instance("k1", "10.1.0.1", 80, false, 1, Registry.KUBERNETES, null, Map.of());
    static final Instance K2 = new Instance("k2", "10.1.0.2", 80, false, 1, Registry.KUBERNETES, null, Map.of());
    static final Instance C1 = new Instance("c1", "10.2.0.1", 80, false, 1, Registry.CONSUL, null, Map.of());

    final FixedRegistry kubernetes = new FixedRegistry(Registry.KUBERNETES,
            Map.of("both", List.of(K2, K1), "k8s-only", List.of(K1), "k8s-empty", List.of(), "empty-here", List.of()));
    final FixedRegistry consul = new FixedRegistry(Registry.CONSUL,
            Map.of("both", List.of(C1), "consul-only", List.of(C1), "k8s-empty", List.of(C1)));

    static BackendTarget.Service any(String name) {
        return BackendTarget.Service.parse(name, "default", null);
    }

    List<Instance> resolve(DiscoveryPolicy policy, String ref) {
        return new CompositeServiceResolver(policy, kubernetes, consul).resolve(BackendTarget.Service.parse(ref, "default", null));
    }

    @Test
    void preferKubernetesUsesKubernetesWhenItKnowsTheServiceEvenWithoutInstances() {
        assertThat(resolve(DiscoveryPolicy.PREFER_KUBERNETES, "both")).containsExactly(K2, K1);
        assertThat(resolve(DiscoveryPolicy.PREFER_KUBERNETES, "consul-only")).containsExactly(C1);
        assertThat(resolve(DiscoveryPolicy.PREFER_KUBERNETES, "k8s-empty")).isEmpty();
    }

    @Test
    void preferConsulMirrorsIt() {
        assertThat(resolve(DiscoveryPolicy.PREFER_CONSUL, "both")).containsExactly(C1);
        assertThat(resolve(DiscoveryPolicy.PREFER_CONSUL, "k8s-only")).containsExactly(K1);
    }

    @Test
    void failoverUsesConsulWhenKubernetesHasNoHealthyInstance() {
        assertThat(resolve(DiscoveryPolicy.FAILOVER, "both")).containsExactly(K2, K1);
        assertThat(resolve(DiscoveryPolicy.FAILOVER, "k8s-empty")).containsExactly(C1);
    }

    @Test
    void mergeReturnsEveryHealthyInstanceInAStableOrder() {
        assertThat(resolve(DiscoveryPolicy.MERGE, "both")).containsExactly(K1, K2, C1);
        assertThat(resolve(DiscoveryPolicy.MERGE, "both")).isEqualTo(resolve(DiscoveryPolicy.MERGE, "both"));
        assertThat(resolve(DiscoveryPolicy.MERGE, "consul-only")).containsExactly(C1);
    }

    @Test
    void qualifiedNamesBypassThePolicy() {
        for (DiscoveryPolicy policy : DiscoveryPolicy.values()) {
            assertThat(resolve(policy, "consul:both")).containsExactly(C1);
            assertThat(resolve(policy, "k8s:default/both")).containsExactly(K2, K1);
            assertThat(resolve(policy, "k8s:consul-only")).isEmpty();
        }
    }

    @Test
    void aDisabledRegistryIsSimplyAbsent() {
        var onlyConsul = new CompositeServiceResolver(DiscoveryPolicy.PREFER_KUBERNETES, null, consul);
        assertThat(onlyConsul.resolve(any("both"))).containsExactly(C1);
        assertThat(onlyConsul.resolve(BackendTarget.Service.parse("k8s:both", "default", null))).isEmpty();
    }

    @Test
    void theDiscoveryClientFacadeSpeaksTheSameNames() {
        var client = new IsthmusDiscoveryClient(new CompositeServiceResolver(DiscoveryPolicy.MERGE, kubernetes, consul), "default");
        assertThat(client.getInstances("both")).extracting(i -> i.getInstanceId()).containsExactly("k1", "k2", "c1");
        assertThat(client.getInstances("consul:both")).extracting(i -> i.getHost()).containsExactly("10.2.0.1");
        assertThat(client.getInstances("not a name!")).isEmpty();
        assertThat(client.getServices()).contains("both", "consul-only", "k8s-only");
        assertThat(client.reactive().getInstances("both").collectList().block()).hasSize(3);
    }
}
