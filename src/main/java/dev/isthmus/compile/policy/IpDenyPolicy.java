package dev.isthmus.compile.policy;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.compile.Access;
import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.spec.GatewayRouteSpec;

/**
 * {@code ipDeny}: clients whose address is in one of these networks get 403. The address is the
 * trusted client address (isthmus.server.trusted-proxies, PROXY protocol), never a header the
 * client wrote. Checked before {@link IpAllowPolicy}.
 *
 * @param cidrs as written, trimmed; the route's own and its named policy's together
 * @param policy the named policy it comes from, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IpDenyPolicy(List<String> cidrs, String policy) implements RoutePolicy {

    public static final String NAME = "ipDeny";

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<IpDenyPolicy> {
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
            return spec.ipDeny() != null && !spec.ipDeny().isEmpty();
        }

        @Override
        public boolean accessPolicy() {
            return true;
        }

        @Override
        public IpDenyPolicy compile(CompileContext c) {
            Access a = c.access();
            if (a == null || a.ipDeny().isEmpty()) {
                return null;
            }
            List<String> cidrs = IpAllowPolicy.cidrs(c.problems(), a.field(NAME), a.ipDeny());
            return cidrs.isEmpty() ? null : new IpDenyPolicy(cidrs, a.policy());
        }
    }
}
