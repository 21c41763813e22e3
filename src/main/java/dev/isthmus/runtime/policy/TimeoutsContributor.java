package dev.isthmus.runtime.policy;

import org.springframework.cloud.gateway.support.RouteMetadataUtils;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.RetryPolicy;
import dev.isthmus.compile.policy.Timeouts;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;
import dev.isthmus.runtime.filter.DeadlineGatewayFilterFactory;
import dev.isthmus.runtime.filter.IdleTimeoutNettyRoutingFilter;

/**
 * {@code timeouts}: connect and idle timeouts as route metadata; the response timeout as Spring
 * Cloud Gateway's per-call response timeout, or, on a route that retries, as a deadline over all
 * tries (Spring Cloud Gateway's response timeout then is the per-try timeout, {@link RetryContributor}).
 */
public final class TimeoutsContributor implements RouteFilterContributor<Timeouts> {

    private final DeadlineGatewayFilterFactory deadline;

    public TimeoutsContributor(DeadlineGatewayFilterFactory deadline) {
        this.deadline = deadline;
    }

    @Override
    public String policy() {
        return Timeouts.NAME;
    }

    @Override
    public Class<Timeouts> type() {
        return Timeouts.class;
    }

    @Override
    public void contribute(Timeouts t, CompiledRoute compiled, RouteFilters route) {
        if (t.connect() != null) {
            route.metadata(RouteMetadataUtils.CONNECT_TIMEOUT_ATTR, (int) Math.min(Integer.MAX_VALUE, t.connect().toMillis()));
        }
        if (t.idle() != null) {
            route.metadata(IdleTimeoutNettyRoutingFilter.IDLE_TIMEOUT_ATTR, t.idle().toMillis());
        }
        RetryPolicy retries = compiled.policy(RetryPolicy.class);
        if (t.response() != null) {
            if (retries != null) {
                route.add(deadline.apply(new DeadlineGatewayFilterFactory.Config().setTimeout(t.response())));
            }
            if (retries == null || retries.attempts() == 0) {
                route.metadata(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, t.response().toMillis());
            }
        }
    }
}
