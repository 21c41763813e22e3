package dev.isthmus.runtime.policy;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.LoadBalancing;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;

/**
 * {@code loadBalancer}: no filter of its own. The route's {@code BackendPool} builds its balancers
 * from this policy, and {@code BackendSelectionFilter}, a global filter, picks with them.
 */
public final class LoadBalancingContributor implements RouteFilterContributor<LoadBalancing> {

    @Override
    public String policy() {
        return LoadBalancing.NAME;
    }

    @Override
    public Class<LoadBalancing> type() {
        return LoadBalancing.class;
    }

    @Override
    public void contribute(LoadBalancing policy, CompiledRoute compiled, RouteFilters route) {
        // served by the route's BackendPool
    }
}
