package dev.isthmus.compile;

import dev.isthmus.spec.GatewayRouteSpec;

/**
 * The compile unit of one route policy: reads its part of the spec, checks it (its limits and
 * defaults are defined on the spec record or here, once), and yields its {@link RoutePolicy} IR.
 * Units are pure and share one {@link Problems} collector per route.
 *
 * @param <P> the policy's IR record
 */
public interface PolicyCompiler<P extends RoutePolicy> {

    /** Where a policy applies. */
    enum Scope {
        /** Every route, redirects included (rate limits, CORS, WebSocket upgrades). */
        ROUTE,
        /** Only routes that forward to backends: they live in {@link RouteAction.Forward}. */
        FORWARD
    }

    /** The policy's name, as {@link RoutePolicy#name()}. */
    String name();

    Scope scope();

    /** Whether the author wrote this policy (a forward-only one on a redirect route is then reported). */
    boolean declared(GatewayRouteSpec spec);

    /**
     * On a redirect route: true rejects a declared forward-only policy (a redirect cannot retry),
     * false accepts the route with a warning that the policy has no effect.
     */
    default boolean rejectedOnRedirect() {
        return true;
    }

    /**
     * Whether this unit compiles access fields ({@link CompileContext#access()}: auth, ipAllow,
     * ipDeny), which named policies hold too; such a unit never reads {@code context.spec()}.
     */
    default boolean accessPolicy() {
        return false;
    }

    /** The policy's IR, or null when the route has none; problems go to {@code context.problems()}. */
    P compile(CompileContext context);
}
