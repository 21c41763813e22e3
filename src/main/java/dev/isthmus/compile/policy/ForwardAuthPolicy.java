package dev.isthmus.compile.policy;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.compile.Access;
import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.DurationParser;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.ForwardAuth;
import dev.isthmus.spec.GatewayRouteSpec;

/**
 * {@code auth.forward}: each request is first checked by an authorization service (Traefik's
 * forwardAuth, Emissary's AuthService in HTTP mode). A 2xx admits it, with
 * {@code responseHeadersToUpstream} copied onto it; another answer below 500 goes back to the
 * client; a failure (no answer within {@code timeout}, refused, 5xx) follows {@code failureMode}.
 *
 * @param requestHeaders sent to the service, lower-case
 * @param responseHeadersToUpstream lower-case; the client's own copies are always removed
 * @param responseHeadersToClient of a denial, lower-case
 * @param cacheTtl answers are cached per credential this long; null: never cached
 * @param policy the named policy it comes from, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ForwardAuthPolicy(URI url, List<String> requestHeaders, List<String> responseHeadersToUpstream,
        List<String> responseHeadersToClient, Duration timeout, ForwardAuth.FailureMode failureMode, int statusOnError, Duration cacheTtl,
        String policy) implements RoutePolicy {

    public static final String NAME = "auth.forward";

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<ForwardAuthPolicy> {
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
            return spec.auth() != null && spec.auth().forward() != null;
        }

        @Override
        public boolean accessPolicy() {
            return true;
        }

        @Override
        public ForwardAuthPolicy compile(CompileContext c) {
            Access a = c.access();
            if (a == null || a.auth() == null || a.auth().forward() == null) {
                return null;
            }
            ForwardAuth f = a.auth().forward();
            Problems p = c.problems();
            URI url = AccessFields.serviceUrl(p, a.field("auth.forward.url"), f.url(), true);
            List<String> request = AccessFields.headerNames(p, a.field("auth.forward.requestHeaders"),
                    f.requestHeaders() == null ? ForwardAuth.DEFAULT_REQUEST_HEADERS : f.requestHeaders(), false);
            request.stream().filter(h -> h.startsWith("x-forwarded-") || h.equals("forwarded") || h.equals("host")).findFirst()
                    .ifPresent(h -> p.fail(ConditionReason.INVALID_AUTH, a.field("auth.forward.requestHeaders") + " " + h
                            + ": the gateway sends the X-Forwarded-* headers itself, from the trusted client address"));
            List<String> toUpstream = AccessFields.headerNames(p, a.field("auth.forward.responseHeadersToUpstream"), f.responseHeadersToUpstream(),
                    true);
            List<String> toClient = AccessFields.headerNames(p, a.field("auth.forward.responseHeadersToClient"),
                    f.responseHeadersToClient() == null ? ForwardAuth.DEFAULT_HEADERS_TO_CLIENT : f.responseHeadersToClient(), false);
            toClient.stream().filter(h -> AccessFields.RESERVED.contains(h) && !h.equals("authorization") && !h.equals("cookie")).findFirst()
                    .ifPresent(h -> p.fail(ConditionReason.INVALID_AUTH, a.field("auth.forward.responseHeadersToClient") + " " + h
                            + " is the gateway's to set, not a policy's"));
            Duration timeout = p.duration(ConditionReason.INVALID_AUTH, a.field("auth.forward.timeout"),
                    f.timeout() == null ? ForwardAuth.DEFAULT_TIMEOUT : f.timeout(), DurationParser.parse(ForwardAuth.MAX_TIMEOUT));
            int status = f.statusOnError() == null ? ForwardAuth.DEFAULT_STATUS_ON_ERROR : f.statusOnError();
            if (status < 400 || status > 599) {
                p.fail(ConditionReason.INVALID_AUTH, a.field("auth.forward.statusOnError") + " must be 400-599");
            }
            Duration ttl = p.duration(ConditionReason.INVALID_AUTH, a.field("auth.forward.cacheTtl"), f.cacheTtl(),
                    DurationParser.parse(ForwardAuth.MAX_CACHE_TTL));
            return new ForwardAuthPolicy(url, request, toUpstream, toClient, timeout,
                    f.failureMode() == null ? ForwardAuth.FailureMode.DENY : f.failureMode(), status, ttl, a.policy());
        }
    }
}
