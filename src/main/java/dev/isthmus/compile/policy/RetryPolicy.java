package dev.isthmus.compile.policy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.HttpMethod;
import dev.isthmus.spec.Retries;
import dev.isthmus.spec.RetryOn;

/** Retries, to another instance where there is one ({@code retries}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RetryPolicy(int attempts, Set<RetryOn> on, Duration perTryTimeout, Duration backoff, Set<HttpMethod> methods)
        implements RoutePolicy {

    public static final String NAME = "retries";

    /** The methods retried unless {@code retries.methods} says otherwise. */
    public static final Set<HttpMethod> IDEMPOTENT = java.util.Collections.unmodifiableSet(EnumSet.of(HttpMethod.GET, HttpMethod.HEAD,
            HttpMethod.OPTIONS, HttpMethod.PUT, HttpMethod.DELETE));
    public static final Set<RetryOn> DEFAULT_ON = java.util.Collections.unmodifiableSet(EnumSet.of(RetryOn.CONNECT_FAILURE,
            RetryOn.GATEWAY_ERROR));
    static final Duration MAX_PER_TRY = Duration.ofHours(24);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<RetryPolicy> {
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
            return spec.retries() != null;
        }

        @Override
        public RetryPolicy compile(CompileContext c) {
            Retries r = c.spec().retries();
            if (r == null) {
                return null;
            }
            Problems p = c.problems();
            int attempts = r.attempts() == null ? Retries.DEFAULT_ATTEMPTS : r.attempts();
            if (attempts < 0 || attempts > Retries.MAX_ATTEMPTS) {
                p.fail(ConditionReason.INVALID_POLICY, "retries.attempts must be 0-" + Retries.MAX_ATTEMPTS);
            }
            Set<RetryOn> on = r.on() == null || r.on().isEmpty() ? DEFAULT_ON : enumSet(r.on(), RetryOn.class);
            Duration perTry = p.duration("retries.perTryTimeout", r.perTryTimeout(), MAX_PER_TRY);
            Duration backoff = r.backoff() == null ? Retries.DEFAULT_BACKOFF : p.duration("retries.backoff", r.backoff(), MAX_BACKOFF);
            Set<HttpMethod> methods = r.methods() == null || r.methods().isEmpty() ? IDEMPOTENT : enumSet(r.methods(), HttpMethod.class);
            return new RetryPolicy(attempts, on, perTry, backoff, methods);
        }
    }

    /** Iterates in declaration order, so compiled output is deterministic. */
    static <E extends Enum<E>> Set<E> enumSet(java.util.List<E> values, Class<E> type) {
        EnumSet<E> out = EnumSet.noneOf(type);
        for (E v : values) {
            if (v != null) {
                out.add(v);
            }
        }
        return java.util.Collections.unmodifiableSet(out);
    }
}
