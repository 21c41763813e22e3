package dev.isthmus.runtime.policy;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.compile.policy.BasicAuthPolicy;
import dev.isthmus.compile.policy.ForwardAuthPolicy;
import dev.isthmus.compile.policy.IpAllowPolicy;
import dev.isthmus.compile.policy.IpDenyPolicy;
import dev.isthmus.compile.policy.JwtAuthPolicy;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;
import dev.isthmus.runtime.auth.AccessGuards;
import dev.isthmus.runtime.auth.AuthMetrics;

/**
 * An access policy ({@code ipDeny}, {@code ipAllow}, {@code auth.basic}, {@code auth.jwt},
 * {@code auth.forward}) in the Spring Cloud Gateway chain: the guard {@link AccessGuards} builds for
 * it, run by a {@link GuardFilter}. Spring Cloud Gateway has no filter factory for any of them (its
 * TokenRelay relays a token, it does not check one), and the logic lives in {@code runtime.auth}
 * so that a native data plane runs the same guards.
 *
 * @param <P> the policy's IR record
 */
public final class AccessContributor<P extends RoutePolicy> implements RouteFilterContributor<P> {

    private final String name;
    private final Class<P> type;
    private final AccessGuards guards;
    private final AuthMetrics metrics;

    private AccessContributor(String name, Class<P> type, AccessGuards guards, AuthMetrics metrics) {
        this.name = name;
        this.type = type;
        this.guards = guards;
        this.metrics = metrics;
    }

    public static AccessContributor<IpDenyPolicy> ipDeny(AccessGuards guards, AuthMetrics metrics) {
        return new AccessContributor<>(IpDenyPolicy.NAME, IpDenyPolicy.class, guards, metrics);
    }

    public static AccessContributor<IpAllowPolicy> ipAllow(AccessGuards guards, AuthMetrics metrics) {
        return new AccessContributor<>(IpAllowPolicy.NAME, IpAllowPolicy.class, guards, metrics);
    }

    public static AccessContributor<BasicAuthPolicy> basic(AccessGuards guards, AuthMetrics metrics) {
        return new AccessContributor<>(BasicAuthPolicy.NAME, BasicAuthPolicy.class, guards, metrics);
    }

    public static AccessContributor<JwtAuthPolicy> jwt(AccessGuards guards, AuthMetrics metrics) {
        return new AccessContributor<>(JwtAuthPolicy.NAME, JwtAuthPolicy.class, guards, metrics);
    }

    public static AccessContributor<ForwardAuthPolicy> forward(AccessGuards guards, AuthMetrics metrics) {
        return new AccessContributor<>(ForwardAuthPolicy.NAME, ForwardAuthPolicy.class, guards, metrics);
    }

    @Override
    public String policy() {
        return name;
    }

    @Override
    public Class<P> type() {
        return type;
    }

    @Override
    public void contribute(P policy, CompiledRoute compiled, RouteFilters route) {
        route.add(new GuardFilter(compiled.id(), name, guards.guard(policy), metrics));
    }
}
