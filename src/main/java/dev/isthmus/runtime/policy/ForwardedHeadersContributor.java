package dev.isthmus.runtime.policy;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.ForwardedHeadersPolicy;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;
import dev.isthmus.runtime.filter.UpstreamForwardedHeadersFilter;

/**
 * {@code forwardedHeaders}: no filter of its own, route metadata instead. The headers are computed
 * where Spring Cloud Gateway builds the upstream request, by {@link UpstreamForwardedHeadersFilter}
 * (an {@code HttpHeadersFilter} of the routing filter), after the client's own copies are gone; a
 * route with {@code forwardedHeaders: false} carries {@link UpstreamForwardedHeadersFilter#DISABLED_ATTR}.
 */
public final class ForwardedHeadersContributor implements RouteFilterContributor<ForwardedHeadersPolicy> {

    @Override
    public String policy() {
        return ForwardedHeadersPolicy.NAME;
    }

    @Override
    public Class<ForwardedHeadersPolicy> type() {
        return ForwardedHeadersPolicy.class;
    }

    @Override
    public void contribute(ForwardedHeadersPolicy policy, CompiledRoute compiled, RouteFilters route) {
        if (!policy.enabled()) {
            route.metadata(UpstreamForwardedHeadersFilter.DISABLED_ATTR, true);
        }
    }
}
