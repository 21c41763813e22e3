package dev.isthmus.compile.policy;

import java.util.List;

import dev.isthmus.compile.PolicyCompiler;

/**
 * The route policies Isthmus ships, in the order a runtime applies them: route-wide ones first
 * (the request body limit, whose Content-Length check costs nothing; client address lists, then authentication: basic or JWT, then the external check, so it sees
 * only requests that passed the cheaper ones; then the WebSocket guard, the rate limit, whose
 * header key can then be a header authentication set, and CORS), then the forward-only ones, request side to response
 * side (header edits, Host, forwarded headers, rewrite, response headers, mirror, deadline, retries, circuit
 * breaker, response compression), then balancing. A new policy adds its unit here.
 */
public final class BuiltInPolicies {

    private BuiltInPolicies() {
    }

    public static List<PolicyCompiler<?>> compilers() {
        return List.of(
                new RequestBodyLimit.Compiler(),
                new IpDenyPolicy.Compiler(),
                new IpAllowPolicy.Compiler(),
                new BasicAuthPolicy.Compiler(),
                new JwtAuthPolicy.Compiler(),
                new ForwardAuthPolicy.Compiler(),
                new WebsocketPolicy.Compiler(),
                new RateLimitPolicy.Compiler(),
                new CorsPolicy.Compiler(),
                RequestHeaders.compiler(),
                new HostHeader.Compiler(),
                new ForwardedHeadersPolicy.Compiler(),
                new PathRewrite.Compiler(),
                ResponseHeaders.compiler(),
                new MirrorPolicy.Compiler(),
                new Timeouts.Compiler(),
                new RetryPolicy.Compiler(),
                new CircuitBreakerPolicy.Compiler(),
                new ResponseCompression.Compiler(),
                new LoadBalancing.Compiler());
    }
}
