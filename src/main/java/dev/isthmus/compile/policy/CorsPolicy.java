package dev.isthmus.compile.policy;

import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.HeaderNames;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.compile.Text;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.Cors;
import dev.isthmus.spec.GatewayRouteSpec;

/** CORS answered by the gateway ({@code cors}): preflights never reach the backend. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record CorsPolicy(List<String> allowOrigins, List<String> allowMethods, List<String> allowHeaders, List<String> exposeHeaders,
        boolean allowCredentials, Duration maxAge) implements RoutePolicy {

    public static final String NAME = "cors";
    static final Duration MAX_AGE = Duration.ofDays(1);

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<CorsPolicy> {
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
            return spec.cors() != null;
        }

        @Override
        public CorsPolicy compile(CompileContext c) {
            Cors cors = c.spec().cors();
            if (cors == null) {
                return null;
            }
            Problems p = c.problems();
            List<String> origins = cors.allowOrigins() == null ? List.of() : List.copyOf(cors.allowOrigins());
            for (String o : origins) {
                if (o == null || !(o.equals("*") || o.matches("^https?://[A-Za-z0-9*.-]+(:[0-9]{1,5})?$"))) {
                    p.fail(ConditionReason.INVALID_POLICY, "cors.allowOrigins: '" + Text.abbreviate(o) + "' must be * or scheme://host[:port]");
                }
            }
            boolean credentials = Boolean.TRUE.equals(cors.allowCredentials());
            if (credentials && origins.contains("*")) {
                p.fail(ConditionReason.INVALID_POLICY, "cors: allowCredentials cannot be combined with allowOrigins '*'");
            }
            List<String> methods = cors.allowMethods() == null ? List.of() : cors.allowMethods().stream().map(Enum::name).toList();
            List<String> allowHeaders = tokens(p, "cors.allowHeaders", cors.allowHeaders(), true);
            List<String> exposeHeaders = tokens(p, "cors.exposeHeaders", cors.exposeHeaders(), false);
            Duration maxAge = p.duration("cors.maxAge", cors.maxAge(), MAX_AGE);
            return new CorsPolicy(origins, methods, allowHeaders, exposeHeaders, credentials, maxAge);
        }

        private static List<String> tokens(Problems p, String field, List<String> names, boolean allowStar) {
            if (names == null) {
                return List.of();
            }
            for (String n : names) {
                if (!(HeaderNames.isToken(n) || (allowStar && "*".equals(n)))) {
                    p.fail(ConditionReason.INVALID_POLICY, field + ": '" + Text.abbreviate(n) + "' is not a header name");
                }
            }
            return List.copyOf(names);
        }
    }
}
