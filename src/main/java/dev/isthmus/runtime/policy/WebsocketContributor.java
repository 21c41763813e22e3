package dev.isthmus.runtime.policy;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.WebsocketPolicy;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;
import dev.isthmus.runtime.filter.WebsocketGuardGatewayFilterFactory;

/** {@code websocket}: routes that allow upgrades keep Spring Cloud Gateway's WebSocket routing; the others refuse them. */
public final class WebsocketContributor implements RouteFilterContributor<WebsocketPolicy> {

    private final WebsocketGuardGatewayFilterFactory guard;

    public WebsocketContributor(WebsocketGuardGatewayFilterFactory guard) {
        this.guard = guard;
    }

    @Override
    public String policy() {
        return WebsocketPolicy.NAME;
    }

    @Override
    public Class<WebsocketPolicy> type() {
        return WebsocketPolicy.class;
    }

    @Override
    public void contribute(WebsocketPolicy policy, CompiledRoute compiled, RouteFilters route) {
        if (policy.enabled()) {
            route.allowWebsocketRouting();
        }
        else {
            route.add(guard.apply(new Object()));
        }
    }
}
