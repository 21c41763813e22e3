package dev.isthmus.compile;

import java.util.ArrayList;
import java.util.List;

import dev.isthmus.compile.ownership.BackendAdmission;
import dev.isthmus.model.ReferenceGrants;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceKind;
import dev.isthmus.spec.GatewayRouteSpec;

/**
 * Turns one authored route into a {@link CompiledRoute}, or explains every reason it cannot: the
 * match ({@link MatchCompiler}), the action (backends by {@link BackendCompiler}, or a redirect by
 * {@link RedirectCompiler}) and one {@link PolicyCompiler} per policy, all reporting to one
 * {@link Problems}. The access units see the route's own auth and address lists, or those of the
 * named policy it references ({@link NamedPolicies}). Everything the CRD schema checks is checked again here, because the file,
 * ConfigMap and Consul sources have no API server in front of them.
 */
final class RouteTranslator {

    /** The outcome for one route: its IR, or its problems. */
    record Outcome(CompiledRoute route, List<Problem> problems, List<String> warnings) {
    }

    private final CompileSettings settings;
    private final List<PolicyCompiler<?>> policies;

    RouteTranslator(CompileSettings settings, List<PolicyCompiler<?>> policies) {
        this.settings = settings;
        this.policies = List.copyOf(policies);
    }

    /** Checks a named policy on its own (reported against its object, whether or not a route uses it). */
    List<Problem> check(dev.isthmus.model.PolicyDefinition d) {
        Problems p = new Problems();
        var n = d.spec();
        CompileContext context = new CompileContext(null, null, null, p, d.name(),
                new Access(n.auth(), n.ipAllow(), n.ipDeny(), d.name(), d.object()));
        if (n.auth() != null && n.auth().jwt() != null && n.auth().basic() != null) {
            p.fail(ConditionReason.INVALID_AUTH, "policy " + d.name() + ": auth.jwt and auth.basic both read the Authorization header: use one");
        }
        for (PolicyCompiler<?> unit : policies) {
            if (unit.accessPolicy()) {
                unit.compile(context);
            }
        }
        return p.list();
    }

    /** @param grants the cross-namespace references permitted now (ReferenceGrants and configured grants) */
    Outcome translate(RouteSpec route, NamedPolicies named, ReferenceGrants grants) {
        Problems p = new Problems();
        GatewayRouteSpec s = route.spec();
        BackendAdmission admission = BackendAdmission.of(route.provenance(), settings.defaultNamespace(), settings.ownership(), grants);

        RequestMatch match = MatchCompiler.compile(s, p);
        if (s.precedence() != null && (s.precedence() < GatewayRouteSpec.MIN_PRECEDENCE || s.precedence() > GatewayRouteSpec.MAX_PRECEDENCE)) {
            p.fail(ConditionReason.INVALID_SPEC, "precedence " + s.precedence() + " is out of range: it must be "
                    + GatewayRouteSpec.MIN_PRECEDENCE + " to " + GatewayRouteSpec.MAX_PRECEDENCE);
        }
        boolean hasBackends = s.backends() != null && !s.backends().isEmpty();
        boolean redirect = s.redirect() != null;
        if (hasBackends == redirect) {
            p.fail(ConditionReason.INVALID_SPEC, "exactly one of backends or redirect is required");
        }
        List<WeightedBackend> backends = hasBackends
                ? BackendCompiler.backends(p, s.backends(), admission, route.provenance().kind() == SourceKind.HTTP_ROUTE) : List.of();
        RouteAction.Redirect redirectAction = redirect ? RedirectCompiler.compile(s.redirect(), match.path(), p) : null;
        Access access = named.resolve(route, p);
        CompileContext context = new CompileContext(s, admission, match.path(), p, route.name(), access);
        List<RoutePolicy> routeWide = new ArrayList<>();
        List<RoutePolicy> forwardOnly = new ArrayList<>();
        for (PolicyCompiler<?> unit : policies) {
            if (redirect && unit.scope() == PolicyCompiler.Scope.FORWARD) {
                if (unit.declared(s)) {
                    if (unit.rejectedOnRedirect()) {
                        p.fail(ConditionReason.INVALID_REDIRECT, "a redirect route cannot have " + unit.name()
                                + ": it never reaches a backend");
                    }
                    else {
                        p.warn(unit.name() + " has no effect on a redirect route");
                    }
                }
                continue;
            }
            RoutePolicy policy = unit.compile(context);
            if (policy != null) {
                (unit.scope() == PolicyCompiler.Scope.ROUTE ? routeWide : forwardOnly).add(policy);
            }
        }
        RouteAction action = redirect ? redirectAction : new RouteAction.Forward(backends, new Policies(forwardOnly));
        if (!p.isEmpty()) {
            return new Outcome(null, p.list(), p.warnings());
        }
        return new Outcome(new CompiledRoute(route.id(), route.name(), route.provenance(), s.precedence() == null ? 0 : s.precedence(),
                match, action, new Policies(routeWide)), List.of(), p.warnings());
    }
}
