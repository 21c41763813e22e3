package dev.isthmus.compile.policy;

import java.time.Duration;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.HeaderNames;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.compile.Text;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.LoadBalancer;
import dev.isthmus.spec.LoadBalancerPolicy;

/** How an instance is picked among a backend's healthy ones ({@code loadBalancer}). Always present on forwarding routes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LoadBalancing(LoadBalancerPolicy policy, HashKey hashOn) implements RoutePolicy {

    public static final String NAME = "loadBalancer";
    public static final LoadBalancing ROUND_ROBIN = new LoadBalancing(LoadBalancerPolicy.ROUND_ROBIN, null);
    static final Duration MAX_COOKIE_TTL = Duration.ofDays(3650);

    @Override
    public String name() {
        return NAME;
    }

    /** The key of consistent hashing. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
    @JsonSubTypes({ @JsonSubTypes.Type(value = HashKey.Header.class, name = "header"),
            @JsonSubTypes.Type(value = HashKey.Cookie.class, name = "cookie"),
            @JsonSubTypes.Type(value = HashKey.SourceIp.class, name = "sourceIp") })
    public sealed interface HashKey {
        record Header(String name) implements HashKey {
        }

        @JsonInclude(JsonInclude.Include.NON_NULL)
        record Cookie(String name, Duration ttl, String path) implements HashKey {
        }

        record SourceIp() implements HashKey {
        }
    }

    public static final class Compiler implements PolicyCompiler<LoadBalancing> {
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
            return spec.loadBalancer() != null;
        }

        @Override
        public LoadBalancing compile(CompileContext c) {
            LoadBalancer lb = c.spec().loadBalancer();
            if (lb == null) {
                return ROUND_ROBIN;
            }
            Problems p = c.problems();
            LoadBalancerPolicy policy = lb.policy() == null ? LoadBalancerPolicy.ROUND_ROBIN : lb.policy();
            if (policy != LoadBalancerPolicy.CONSISTENT_HASH) {
                if (lb.hashOn() != null) {
                    p.fail(ConditionReason.INVALID_POLICY, "loadBalancer.hashOn applies only to policy consistent-hash");
                }
                return new LoadBalancing(policy, null);
            }
            var h = lb.hashOn();
            if (h == null) {
                p.fail(ConditionReason.INVALID_POLICY, "loadBalancer.hashOn is required with policy consistent-hash");
                return ROUND_ROBIN;
            }
            int given = (h.header() != null ? 1 : 0) + (h.cookie() != null ? 1 : 0) + (Boolean.TRUE.equals(h.sourceIp()) ? 1 : 0);
            if (given != 1) {
                p.fail(ConditionReason.INVALID_POLICY, "loadBalancer.hashOn needs exactly one of header, cookie or sourceIp: true");
                return ROUND_ROBIN;
            }
            if (h.header() != null) {
                if (!HeaderNames.isToken(h.header())) {
                    p.fail(ConditionReason.INVALID_POLICY, "loadBalancer.hashOn.header is not a valid header name");
                }
                return new LoadBalancing(policy, new HashKey.Header(h.header().toLowerCase(Locale.ROOT)));
            }
            if (h.cookie() != null) {
                var ck = h.cookie();
                if (!HeaderNames.isToken(ck.name())) {
                    p.fail(ConditionReason.INVALID_POLICY, "loadBalancer.hashOn.cookie.name is not a valid cookie name");
                }
                Duration ttl = p.duration("loadBalancer.hashOn.cookie.ttl", ck.ttl(), MAX_COOKIE_TTL);
                String cookiePath = ck.path() == null ? "/" : ck.path();
                if (!cookiePath.startsWith("/") || Text.hasControl(cookiePath) || cookiePath.indexOf(';') >= 0) {
                    p.fail(ConditionReason.INVALID_POLICY, "loadBalancer.hashOn.cookie.path must be a path");
                }
                return new LoadBalancing(policy, new HashKey.Cookie(ck.name(), ttl, cookiePath));
            }
            return new LoadBalancing(policy, new HashKey.SourceIp());
        }
    }
}
