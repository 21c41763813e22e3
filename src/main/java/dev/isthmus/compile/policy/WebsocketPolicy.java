package dev.isthmus.compile.policy;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.spec.GatewayRouteSpec;

/** Whether the route takes WebSocket upgrades ({@code websocket: true}); refused by default. Always present. */
public record WebsocketPolicy(boolean enabled) implements RoutePolicy {

    public static final String NAME = "websocket";

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<WebsocketPolicy> {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Scope scope() {
            return Scope.ROUTE;
        }

        @Override
        public boolean declared(GatewayRouteSpec spec) {
            return spec.websocket() != null;
        }

        @Override
        public WebsocketPolicy compile(CompileContext c) {
            return new WebsocketPolicy(Boolean.TRUE.equals(c.spec().websocket()));
        }
    }
}
