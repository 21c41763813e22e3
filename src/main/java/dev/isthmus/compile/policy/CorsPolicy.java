package dev.isthmus.compile.policy;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

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
    /**
     * http(s)://host[:port], where the host may start with one '*.' label (matched by suffix at run
     * time, CorsOrigins); authored text, so java.util.regex is fine here.
     */
    private static final Pattern ORIGIN = Pattern.compile("^https?://(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?$");

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
            boolean credentials = Boolean.TRUE.equals(cors.allowCredentials());
            for (String o : origins) {
                if (o == null || !(o.equals("*") || ORIGIN.matcher(o).matches())) {
                    p.fail(ConditionReason.INVALID_POLICY, "cors.allowOrigins: '" + Text.abbreviate(o)
                            + "' must be *, scheme://host[:port] or scheme://*.domain[:port] (one leading wildcard label)");
                }
                else if (credentials && o.contains("*")) {
                    // any wildcard with credentials lets every matching site read authenticated responses
                    p.fail(ConditionReason.INVALID_POLICY, "cors: allowCredentials cannot be combined with the wildcard origin '"
                            + Text.abbreviate(o) + "': list the origins");
                }
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
