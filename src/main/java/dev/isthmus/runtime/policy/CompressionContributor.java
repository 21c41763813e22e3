package dev.isthmus.runtime.policy;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.ResponseCompression;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;
import dev.isthmus.runtime.filter.GzipResponseFilter;

/** {@code compression: true}: route metadata read by {@link GzipResponseFilter}, a global filter (it says why). */
public final class CompressionContributor implements RouteFilterContributor<ResponseCompression> {

    @Override
    public String policy() {
        return ResponseCompression.NAME;
    }

    @Override
    public Class<ResponseCompression> type() {
        return ResponseCompression.class;
    }

    @Override
    public void contribute(ResponseCompression policy, CompiledRoute compiled, RouteFilters route) {
        route.metadata(GzipResponseFilter.MIN_BYTES_ATTR, policy.minBytes());
    }
}
