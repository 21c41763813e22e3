package dev.isthmus.compile.policy;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.spec.GatewayRouteSpec;

/**
 * Whether {@code X-Forwarded-For}, {@code -Proto}, {@code -Host}, {@code -Port} and
 * {@code Forwarded} go upstream ({@code forwardedHeaders}, default true), computed from the
 * trusted client address. Always present on forwarding routes.
 */
public record ForwardedHeadersPolicy(boolean enabled) implements RoutePolicy {

    public static final String NAME = "forwardedHeaders";

    public static final ForwardedHeadersPolicy ON = new ForwardedHeadersPolicy(true);

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<ForwardedHeadersPolicy> {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Scope scope() {
            return Scope.FORWARD;
        }

        @Override
        public boolean declared(GatewayRouteSpec spec) {
            return spec.forwardedHeaders() != null;
        }

        @Override
        public ForwardedHeadersPolicy compile(CompileContext c) {
            return Boolean.FALSE.equals(c.spec().forwardedHeaders()) ? new ForwardedHeadersPolicy(false) : ON;
        }
    }
}
