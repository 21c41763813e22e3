package dev.isthmus.compile.policy;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.spec.GatewayRouteSpec;

/**
 * Upstream timeouts ({@code timeouts}); null parts are Spring Cloud Gateway's defaults.
 *
 * @param response the whole-request deadline, retries included
 * @param idle the longest silence while a response streams
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Timeouts(Duration connect, Duration response, Duration idle) implements RoutePolicy {

    public static final String NAME = "timeouts";
    static final Duration MAX_CONNECT = Duration.ofMinutes(5);
    static final Duration MAX = Duration.ofHours(24);

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<Timeouts> {
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
            return spec.timeouts() != null;
        }

        /** Upstream timeouts mean nothing to a redirect: accepted, with a warning. */
        @Override
        public boolean rejectedOnRedirect() {
            return false;
        }

        @Override
        public Timeouts compile(CompileContext c) {
            dev.isthmus.spec.Timeouts t = c.spec().timeouts();
            if (t == null) {
                return null;
            }
            Problems p = c.problems();
            Timeouts out = new Timeouts(p.duration("timeouts.connect", t.connect(), MAX_CONNECT),
                    p.duration("timeouts.response", t.response(), MAX), p.duration("timeouts.idle", t.idle(), MAX));
            return out.connect() == null && out.response() == null && out.idle() == null ? null : out;
        }
    }
}
