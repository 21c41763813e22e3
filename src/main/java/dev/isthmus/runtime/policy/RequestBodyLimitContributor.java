package dev.isthmus.runtime.policy;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.RequestBodyLimit;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;
import dev.isthmus.runtime.filter.RequestBodyLimitFilter;

/**
 * {@code maxRequestBody}: route metadata read by {@link RequestBodyLimitFilter}, the global filter that also applies
 * the gateway default to routes without one (so every route has exactly one limit, checked in one place).
 */
public final class RequestBodyLimitContributor implements RouteFilterContributor<RequestBodyLimit> {

    @Override
    public String policy() {
        return RequestBodyLimit.NAME;
    }

    @Override
    public Class<RequestBodyLimit> type() {
        return RequestBodyLimit.class;
    }

    @Override
    public void contribute(RequestBodyLimit policy, CompiledRoute compiled, RouteFilters route) {
        route.metadata(RequestBodyLimitFilter.LIMIT_ATTR, policy.maxBytes());
    }
}
