package dev.isthmus.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** One route as authored: what to match and where to send it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.redirect) != (has(self.backends) && size(self.backends) > 0)",
        message = "exactly one of backends or redirect is required")
@ValidationRule(value = "!(has(self.hostRewrite) && has(self.autoHostRewrite) && self.autoHostRewrite)",
        message = "hostRewrite and autoHostRewrite are mutually exclusive")
public record GatewayRouteSpec(
        @JsonPropertyDescription("Matched against isthmus.kubernetes.gateway-class; routes for another class are ignored.")
        String gatewayClassName,
        @JsonPropertyDescription("Hosts this route serves: exact names or a leading '*.' wildcard. Empty means any host.")
        @Size(max = MAX_HOSTS) List<String> hosts,
        @JsonPropertyDescription("What a request must look like to use this route.")
        @Required RouteMatch match,
        @JsonPropertyDescription("Higher wins among overlapping routes of the same owner (or of owners sharing a host by policy); "
                + "ties go to the more specific match, then the oldest route. From " + MIN_PRECEDENCE + " to " + MAX_PRECEDENCE + ".")
        @Min(MIN_PRECEDENCE) @Max(MAX_PRECEDENCE) Integer precedence,
        @JsonPropertyDescription("Where matching requests go; weights are relative.")
        @Size(max = MAX_BACKENDS) List<BackendRef> backends,
        @JsonPropertyDescription("How the path is rewritten before it reaches the backend.")
        Rewrite rewrite,
        @JsonPropertyDescription("Host header sent to the backend. Default: the client's Host header.")
        String hostRewrite,
        @JsonPropertyDescription("Send the chosen backend instance's host:port as the Host header.")
        Boolean autoHostRewrite,
        @JsonPropertyDescription("Answer with a redirect instead of proxying.")
        Redirect redirect,
        @JsonPropertyDescription("Header edits on the request sent to the backend: remove, then set, then add.")
        HeaderOperations requestHeaders,
        @JsonPropertyDescription("Header edits on the response sent to the client: remove, then set, then add.")
        HeaderOperations responseHeaders,
        @JsonPropertyDescription("Timeouts of the upstream call.")
        Timeouts timeouts,
        @JsonPropertyDescription("Retries of failed upstream calls, to another instance where there is one.")
        Retries retries,
        @JsonPropertyDescription("A circuit breaker over this route's upstream calls (Resilience4j): answers 503 while open.")
        CircuitBreaker circuitBreaker,
        @JsonPropertyDescription("How an instance is picked among a backend's healthy instances.")
        LoadBalancer loadBalancer,
        @JsonPropertyDescription("A token-bucket rate limit per client key; over the limit, 429 with Retry-After.")
        RateLimit rateLimit,
        @JsonPropertyDescription("CORS policy answered by the gateway; preflights never reach the backend.")
        Cors cors,
        @JsonPropertyDescription("Copies a share of requests to a shadow backend; its responses are discarded.")
        Mirror mirror,
        @JsonPropertyDescription("Allow WebSocket upgrades on this route.")
        Boolean websocket,
        @JsonPropertyDescription("Send X-Forwarded-For, -Proto, -Host, -Port and Forwarded to the backend (default true). "
                + "false sends none of them; what the client sent under these names is never passed on either way.")
        Boolean forwardedHeaders,
        @JsonPropertyDescription("Authentication: jwt, forward, basic, or a named policy. 401 (with WWW-Authenticate) without valid "
                + "credentials, 403 when they are valid but not enough.")
        Auth auth,
        @JsonPropertyDescription("Client addresses (IP addresses or CIDRs) allowed to use this route; others get 403. The client address is "
                + "the one isthmus.server.trusted-proxies and the PROXY protocol decide. Empty: any.")
        @Size(max = MAX_CIDRS) List<String> ipAllow,
        @JsonPropertyDescription("Client addresses (IP addresses or CIDRs) refused with 403, checked before ipAllow.")
        @Size(max = MAX_CIDRS) List<String> ipDeny,
        @JsonPropertyDescription("Largest request body this route accepts: bytes, or a number with B, KB, MB or GB (powers of 1024), "
                + "at most " + Sizes.MAX_REQUEST_BODY_TEXT + ". Larger bodies get 413 and never reach the backend complete. "
                + "Default: isthmus.routes.max-request-body (10MB).")
        @Pattern(Sizes.PATTERN) String maxRequestBody,
        @JsonPropertyDescription("gzip responses of at least 1KB for clients that accept it, unless the backend already encoded them. "
                + "Default false.")
        Boolean compression) {

    public static final int MAX_HOSTS = 64;
    /**
     * The range of {@code precedence}, the same for every source (the CRD schema, the compiler and
     * the Consul tag parser read these): wide enough to order one owner's routes, bounded so that
     * nobody can claim "always first" (docs/routes.md, "Precedence").
     */
    public static final int MIN_PRECEDENCE = -1000;
    public static final int MAX_PRECEDENCE = 1000;
    public static final int MAX_BACKENDS = 64;
    public static final int MAX_CIDRS = 256;

    /** The same spec with its access fields replaced (a named policy's, resolved by the compiler). */
    public GatewayRouteSpec withAccess(Auth auth, List<String> ipAllow, List<String> ipDeny) {
        return new GatewayRouteSpec(gatewayClassName, hosts, match, precedence, backends, rewrite, hostRewrite, autoHostRewrite, redirect,
                requestHeaders, responseHeaders, timeouts, retries, circuitBreaker, loadBalancer, rateLimit, cors, mirror, websocket,
                forwardedHeaders, auth, ipAllow, ipDeny, maxRequestBody, compression);
    }
}
