package dev.isthmus.compile.policy;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.compile.Access;
import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.model.Cidrs;
import dev.isthmus.spec.GatewayRouteSpec;

/**
 * {@code ipAllow}: only clients whose address is in one of these networks may use the route;
 * others get 403. The address is the trusted client address (as for {@link IpDenyPolicy}).
 *
 * @param cidrs as written, trimmed
 * @param policy the named policy it comes from, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IpAllowPolicy(List<String> cidrs, String policy) implements RoutePolicy {

    public static final String NAME = "ipAllow";

    @Override
    public String name() {
        return NAME;
    }

    /** Each entry checked by the parser the request path uses ({@link Cidrs}), so what compiles is what is enforced. */
    static List<String> cidrs(Problems p, String field, List<String> entries) {
        List<String> out = new ArrayList<>();
        if (entries.size() > GatewayRouteSpec.MAX_CIDRS) {
            p.fail(ConditionReason.INVALID_IP_LIST, field + " has " + entries.size() + " entries, more than the maximum of " + GatewayRouteSpec.MAX_CIDRS);
            return out;
        }
        for (int i = 0; i < entries.size(); i++) {
            String e = entries.get(i) == null ? "" : entries.get(i).trim();
            try {
                if (e.isEmpty() || Cidrs.parse(List.of(e)).isEmpty()) {
                    throw new IllegalArgumentException("is empty");
                }
                out.add(e);
            }
            catch (IllegalArgumentException ex) {
                p.fail(ConditionReason.INVALID_IP_LIST, field + "[" + i + "] " + ex.getMessage());
            }
        }
        return List.copyOf(out);
    }

    public static final class Compiler implements PolicyCompiler<IpAllowPolicy> {
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
            return spec.ipAllow() != null && !spec.ipAllow().isEmpty();
        }

        @Override
        public boolean accessPolicy() {
            return true;
        }

        @Override
        public IpAllowPolicy compile(CompileContext c) {
            Access a = c.access();
            if (a == null || a.ipAllow().isEmpty()) {
                return null;
            }
            List<String> cidrs = cidrs(c.problems(), a.field(NAME), a.ipAllow());
            return cidrs.isEmpty() ? null : new IpAllowPolicy(cidrs, a.policy());
        }
    }
}
