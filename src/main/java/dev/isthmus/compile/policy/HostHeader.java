package dev.isthmus.compile.policy;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.HostPattern;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.GatewayRouteSpec;

/** The Host header sent upstream ({@code hostRewrite}, {@code autoHostRewrite}). Always present on forwarding routes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HostHeader(Mode mode, String value) implements RoutePolicy {

    public static final String NAME = "hostHeader";

    public enum Mode {
        /** The client's Host header, as Envoy and Emissary do by default. */
        PRESERVE,
        /** A fixed value ({@code hostRewrite}). */
        REWRITE,
        /** The chosen instance's host:port ({@code autoHostRewrite}). */
        AUTO
    }

    public static final HostHeader PRESERVE = new HostHeader(Mode.PRESERVE, null);

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<HostHeader> {
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
            return spec.hostRewrite() != null || Boolean.TRUE.equals(spec.autoHostRewrite());
        }

        @Override
        public HostHeader compile(CompileContext c) {
            GatewayRouteSpec s = c.spec();
            boolean auto = Boolean.TRUE.equals(s.autoHostRewrite());
            if (s.hostRewrite() != null && auto) {
                c.problems().fail(ConditionReason.INVALID_SPEC, "hostRewrite and autoHostRewrite are mutually exclusive");
                return PRESERVE;
            }
            if (s.hostRewrite() != null) {
                String h = s.hostRewrite();
                int colon = h.lastIndexOf(':');
                String host = colon > 0 && h.substring(colon + 1).chars().allMatch(Character::isDigit) ? h.substring(0, colon) : h;
                try {
                    if (HostPattern.parse(host).wildcard()) {
                        c.problems().fail(ConditionReason.INVALID_SPEC, "hostRewrite cannot be a wildcard");
                    }
                }
                catch (IllegalArgumentException e) {
                    c.problems().fail(ConditionReason.INVALID_SPEC, "hostRewrite: " + e.getMessage());
                }
                return new HostHeader(Mode.REWRITE, h.toLowerCase(Locale.ROOT));
            }
            return auto ? new HostHeader(Mode.AUTO, null) : PRESERVE;
        }
    }
}
