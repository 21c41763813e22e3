package dev.isthmus.compile.policy;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.HeaderNames;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.RateLimit;
import dev.isthmus.spec.RateLimitScope;

/**
 * A token bucket per key ({@code rateLimit}): the client IP, or a request header's value.
 *
 * @param header the key header, lower-case; null: keyed by the client IP
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RateLimitPolicy(int requestsPerSecond, int burst, String header, RateLimitScope scope) implements RoutePolicy {

    public static final String NAME = "rateLimit";

    @Override
    public String name() {
        return NAME;
    }

    /** Keyed by the client IP when {@code header} is null. */
    @JsonIgnore
    public boolean byClientIp() {
        return header == null;
    }

    public static final class Compiler implements PolicyCompiler<RateLimitPolicy> {
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
            return spec.rateLimit() != null;
        }

        @Override
        public RateLimitPolicy compile(CompileContext c) {
            RateLimit r = c.spec().rateLimit();
            if (r == null) {
                return null;
            }
            Problems p = c.problems();
            int rps = p.intIn("rateLimit.requestsPerSecond", r.requestsPerSecond(), -1, 1, RateLimit.MAX_REQUESTS_PER_SECOND);
            int burst = p.intIn("rateLimit.burst", r.burst(), Math.max(rps, 1), 1, RateLimit.MAX_BURST);
            if (rps > 0 && burst < rps) {
                p.fail(ConditionReason.INVALID_POLICY, "rateLimit.burst must be at least requestsPerSecond");
            }
            if (rps > 0 && (long) burst > (long) rps * RateLimit.MAX_BUCKET_FILL_SECONDS) {
                // an emptied bucket must refill within a day: it is kept (locally, or in Redis with
                // twice that as its TTL) until it has
                p.fail(ConditionReason.INVALID_POLICY, "rateLimit.burst must be at most " + RateLimit.MAX_BUCKET_FILL_SECONDS
                        + " x requestsPerSecond (an emptied bucket refills within a day)");
            }
            String key = r.key() == null ? RateLimit.CLIENT_IP : r.key();
            String header = null;
            if (key.startsWith(RateLimit.HEADER_KEY_PREFIX) && HeaderNames.isToken(key.substring(RateLimit.HEADER_KEY_PREFIX.length()))) {
                header = key.substring(RateLimit.HEADER_KEY_PREFIX.length()).toLowerCase(Locale.ROOT);
            }
            else if (!key.equals(RateLimit.CLIENT_IP)) {
                p.fail(ConditionReason.INVALID_POLICY, "rateLimit.key must be " + RateLimit.CLIENT_IP + " or " + RateLimit.HEADER_KEY_PREFIX + "<name>");
            }
            return new RateLimitPolicy(rps, burst, header, r.scope() == null ? RateLimitScope.LOCAL : r.scope());
        }
    }
}
