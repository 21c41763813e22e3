package dev.isthmus.runtime.policy;

import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import org.springframework.cloud.gateway.filter.factory.RetryGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RetryGatewayFilterFactory.RetryConfig;
import org.springframework.cloud.gateway.support.RouteMetadataUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.RetryPolicy;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;
import dev.isthmus.spec.RetryOn;

/**
 * {@code retries}: Spring Cloud Gateway's Retry filter, with Envoy's retry conditions mapped to
 * exceptions, statuses and series, exponential backoff, and the per-try timeout as Spring Cloud
 * Gateway's per-call response timeout.
 */
public final class RetryContributor implements RouteFilterContributor<RetryPolicy> {

    private final RetryGatewayFilterFactory retry;

    public RetryContributor(RetryGatewayFilterFactory retry) {
        this.retry = retry;
    }

    @Override
    public String policy() {
        return RetryPolicy.NAME;
    }

    @Override
    public Class<RetryPolicy> type() {
        return RetryPolicy.class;
    }

    @Override
    public void contribute(RetryPolicy p, CompiledRoute compiled, RouteFilters route) {
        if (p.attempts() == 0) {
            return;
        }
        if (p.perTryTimeout() != null) {
            route.metadata(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, p.perTryTimeout().toMillis());
        }
        RetryConfig c = new RetryConfig();
        c.setRouteId(compiled.id());
        c.setRetries(p.attempts());
        c.setMethods(p.methods().stream().map(m -> HttpMethod.valueOf(m.name())).toArray(HttpMethod[]::new));
        Set<RetryOn> on = p.on();
        List<HttpStatus> statuses = new ArrayList<>();
        List<HttpStatus.Series> series = new ArrayList<>();
        List<Class<? extends Throwable>> exceptions = new ArrayList<>();
        if (on.contains(RetryOn.CONNECT_FAILURE) || on.contains(RetryOn.GATEWAY_ERROR) || on.contains(RetryOn.SERVER_ERROR)) {
            exceptions.add(ConnectException.class); // includes Netty's connect timeouts
        }
        if (on.contains(RetryOn.RESET) || on.contains(RetryOn.SERVER_ERROR)) {
            exceptions.add(IOException.class); // premature close, connection reset
        }
        if (on.contains(RetryOn.TIMEOUT) || on.contains(RetryOn.GATEWAY_ERROR) || on.contains(RetryOn.SERVER_ERROR)) {
            exceptions.add(TimeoutException.class);
        }
        if (on.contains(RetryOn.GATEWAY_ERROR)) {
            statuses.addAll(List.of(HttpStatus.BAD_GATEWAY, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.GATEWAY_TIMEOUT));
        }
        if (on.contains(RetryOn.SERVER_ERROR)) {
            series.add(HttpStatus.Series.SERVER_ERROR);
        }
        c.setStatuses(statuses.toArray(HttpStatus[]::new));
        c.setSeries(series.toArray(HttpStatus.Series[]::new));
        c.setExceptions(exceptions.toArray(Class[]::new));
        c.setBackoff(p.backoff(), p.backoff().multipliedBy(8), 2, true);
        route.add(retry.apply(c));
    }
}
