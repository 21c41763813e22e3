package dev.isthmus.server;

/**
 * How the gateway answered a request, as the {@code reason} tag of {@code isthmus.requests}: a
 * short, fixed set, so metrics stay bounded whatever clients send. Decided where the answer is
 * made: the transport (header deadline, malformed requests), request validation, routing, the
 * route's policies, backend selection.
 */
public enum RequestOutcome {
    /** Answered by an upstream (any status). */
    PROXIED("proxied"),
    /** A redirect route's answer. */
    REDIRECT("redirect"),
    /** No route matches (404). */
    NO_ROUTE("no_route"),
    /** Refused before routing: missing, malformed or ambiguous Host, hostile path (400). */
    BAD_REQUEST("bad_request"),
    /** A transfer coding other than chunked (501). */
    NOT_IMPLEMENTED("not_implemented"),
    /** An expectation other than 100-continue (417). */
    EXPECTATION_FAILED("expectation_failed"),
    /** Request headers not complete within isthmus.server.request-header-timeout (408, or the HTTP/2 connection closed). */
    HEADER_TIMEOUT("header_timeout"),
    /** Not a valid HTTP request, refused by the HTTP codec (400). */
    MALFORMED("malformed"),
    /** Request line longer than the codec allows (414). */
    URI_TOO_LONG("uri_too_long"),
    /** Headers larger than the codec allows (431). */
    HEADERS_TOO_LARGE("headers_too_large"),
    /** A request body over the route's maxRequestBody or isthmus.routes.max-request-body (413). */
    BODY_TOO_LARGE("body_too_large"),
    /** The route's rate limit (429). */
    RATE_LIMITED("rate_limited"),
    /** The route's circuit breaker is open (503). */
    CIRCUIT_OPEN("circuit_open"),
    /** No healthy instance of the backend (503). */
    NO_INSTANCE("no_instance"),
    /** The upstream has isthmus.upstream.max-concurrent-requests in flight (503). */
    BULKHEAD("bulkhead"),
    /** The upstream refused or did not accept the connection (503). */
    UPSTREAM_CONNECT("upstream_connect"),
    /** The route's response timeout or the upstream's idle timeout (504). */
    UPSTREAM_TIMEOUT("upstream_timeout"),
    /** The upstream closed the connection before answering (502). */
    UPSTREAM_RESET("upstream_reset"),
    /** The upstream's answer could not be decoded, typically a protocol other than backends[].protocol says (502). */
    UPSTREAM_PROTOCOL("upstream_protocol"),
    /** TLS with the upstream failed: handshake, certificate verification, or the backend's TLS settings cannot be loaded (502). */
    UPSTREAM_TLS("upstream_tls"),
    /** Answered by the route's own policies without an upstream: CORS preflight or refusal, WebSocket refusal. */
    LOCAL("local"),
    /** The client went away before the answer. */
    CLIENT_ABORTED("client_aborted"),
    /** Any other failure inside the gateway (500). */
    GATEWAY_ERROR("gateway_error");

    private final String tag;

    RequestOutcome(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
