package dev.isthmus.runtime.policy;

import java.net.URI;
import java.util.List;
import java.util.function.Supplier;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.compile.policy.MirrorPolicy;
import dev.isthmus.discovery.Instance;
import dev.isthmus.discovery.RoundRobinBalancer;
import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;
import dev.isthmus.runtime.filter.MirrorGatewayFilterFactory;

/** {@code mirror}: Isthmus' mirror filter, to a fixed URL or to a service's instances in turn. */
public final class MirrorContributor implements RouteFilterContributor<MirrorPolicy> {

    private final MirrorGatewayFilterFactory mirror;
    private final ServiceResolver resolver;

    public MirrorContributor(MirrorGatewayFilterFactory mirror, ServiceResolver resolver) {
        this.mirror = mirror;
        this.resolver = resolver;
    }

    @Override
    public String policy() {
        return MirrorPolicy.NAME;
    }

    @Override
    public Class<MirrorPolicy> type() {
        return MirrorPolicy.class;
    }

    @Override
    public void contribute(MirrorPolicy m, CompiledRoute compiled, RouteFilters route) {
        boolean operatorUrl = compiled.provenance().owner().isOperator() && m.target() instanceof BackendTarget.Url;
        route.add(mirror.apply(new MirrorGatewayFilterFactory.Config().setPercent(m.percent()).setTarget(target(m))
                .setDescription(m.target().display()).setTrust(operatorUrl ? DestinationGuard.Trust.OPERATOR : DestinationGuard.Trust.TENANT)));
    }

    private Supplier<URI> target(MirrorPolicy m) {
        if (m.target() instanceof BackendTarget.Url url) {
            return url::uri;
        }
        BackendTarget.Service service = (BackendTarget.Service) m.target();
        RoundRobinBalancer balancer = new RoundRobinBalancer();
        return () -> {
            List<Instance> instances = resolver.resolve(service);
            if (instances.isEmpty()) {
                return null;
            }
            Instance i = balancer.choose(instances, null);
            return URI.create((i.secure() ? "https://" : "http://") + i.authority());
        };
    }
}
