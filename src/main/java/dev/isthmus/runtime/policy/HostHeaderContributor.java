package dev.isthmus.runtime.policy;

import org.springframework.cloud.gateway.filter.factory.PreserveHostHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetRequestHostHeaderGatewayFilterFactory;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.HostHeader;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;

/**
 * {@code hostRewrite} / {@code autoHostRewrite}: Spring Cloud Gateway's PreserveHostHeader or
 * SetRequestHostHeader; for AUTO, nothing here: {@code BackendSelectionFilter} leaves the Host
 * header to the chosen instance.
 */
public final class HostHeaderContributor implements RouteFilterContributor<HostHeader> {

    private final PreserveHostHeaderGatewayFilterFactory preserve;
    private final SetRequestHostHeaderGatewayFilterFactory set;

    public HostHeaderContributor(PreserveHostHeaderGatewayFilterFactory preserve, SetRequestHostHeaderGatewayFilterFactory set) {
        this.preserve = preserve;
        this.set = set;
    }

    @Override
    public String policy() {
        return HostHeader.NAME;
    }

    @Override
    public Class<HostHeader> type() {
        return HostHeader.class;
    }

    @Override
    public void contribute(HostHeader policy, CompiledRoute compiled, RouteFilters route) {
        switch (policy.mode()) {
            case PRESERVE -> route.add(preserve.apply());
            case REWRITE -> {
                var c = new SetRequestHostHeaderGatewayFilterFactory.Config();
                c.setHost(policy.value());
                route.add(set.apply(c));
            }
            case AUTO -> {
                // the instance's authority, set per request by BackendSelectionFilter
            }
        }
    }
}
