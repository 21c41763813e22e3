package dev.isthmus.compile.policy;

import dev.isthmus.compile.BackendCompiler;
import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.Mirror;

import static dev.isthmus.model.ConditionReason.INVALID_BACKEND;

/** A share of requests copied to a shadow backend, whose answers are discarded ({@code mirror}). */
public record MirrorPolicy(BackendTarget target, int percent) implements RoutePolicy {

    public static final String NAME = "mirror";

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<MirrorPolicy> {
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
            return spec.mirror() != null;
        }

        @Override
        public MirrorPolicy compile(CompileContext c) {
            Mirror m = c.spec().mirror();
            if (m == null) {
                return null;
            }
            int percent = c.problems().intIn("mirror.percent", m.percent(), Mirror.DEFAULT_PERCENT, 0, 100);
            BackendTarget target = BackendCompiler.target(c.problems(), "mirror", m.service(), m.url(), null, c.backends());
            if (target instanceof BackendTarget.Unavailable) {
                c.problems().fail(INVALID_BACKEND, "mirror: an unavailable backend cannot be mirrored to");
                return null;
            }
            return target == null ? null : new MirrorPolicy(target, percent);
        }
    }
}
