package dev.isthmus.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The reasons of a route's conditions, as Kubernetes names them (CamelCase, machine-readable):
 * user-facing contract in {@code kubectl get gr -o yaml}, ConfigMap Events, {@code /actuator/routes}
 * and alerts. A route with several problems reports each with its own reason; the condition's
 * reason is the first one's (docs/routes.md, "Status and reasons").
 */
public enum ConditionReason {
    /** Accepted: the route is served. */
    ACCEPTED("Accepted"),
    /** The spec as a whole: a required field missing, mutually exclusive fields, unreadable YAML of one entry. */
    INVALID_SPEC("InvalidSpec"),
    /** A routes document (a ConfigMap key) that is not a routes document at all. */
    INVALID_DOCUMENT("InvalidDocument"),
    /** A Consul service's {@code isthmus.*} tags. */
    INVALID_TAG("InvalidTag"),
    INVALID_HOST("InvalidHost"),
    INVALID_PATH("InvalidPath"),
    /** Method, header and query-parameter predicates. */
    INVALID_MATCH("InvalidMatch"),
    INVALID_BACKEND("InvalidBackend"),
    INVALID_REDIRECT("InvalidRedirect"),
    INVALID_REWRITE("InvalidRewrite"),
    INVALID_HEADERS("InvalidHeaders"),
    /** A route policy: timeouts, retries, circuit breaker, balancing, rate limit, CORS, mirror. */
    INVALID_POLICY("InvalidPolicy"),
    /** Authentication (auth.jwt, auth.forward, auth.basic): a field, or a combination the route's source may not use. */
    INVALID_AUTH("InvalidAuth"),
    /** ipAllow, ipDeny: an entry that is not an IP address or CIDR. */
    INVALID_IP_LIST("InvalidIPList"),
    /** auth.policy (or the Consul tag isthmus.auth) names a policy that this route cannot see. */
    POLICY_NOT_FOUND("PolicyNotFound"),
    /** A named policy's definition: its name, a duplicate, or a policy inside a policy. */
    INVALID_NAMED_POLICY("InvalidNamedPolicy"),
    /** Another route has the same id (or the same name in one document or ConfigMap). */
    DUPLICATE("Duplicate"),
    /** Another route with the same hosts and match takes priority on every host. */
    CONFLICTED("Conflicted"),
    /** The ownership policy does not let this route's owner serve one of its hosts (or the default host, or this path there). */
    NOT_ALLOWED_HOST("NotAllowedHost"),
    /** Another owner holds one of this route's hosts (or, on the default host, an overlapping path): the first claim wins. */
    HOST_CLAIMED("HostClaimed"),
    /** A reference to another namespace's Service that no ReferenceGrant (or configured grant) there permits. */
    REF_NOT_PERMITTED("RefNotPermitted"),
    /** A backend this owner may not use: a denied destination (loopback, link-local, metadata, the gateway itself), or Consul services the policy does not map to its namespace. */
    NOT_ALLOWED_BACKEND("NotAllowedBackend"),
    /** The owner is over a quota (routes, routes document size, Consul services with tag routes): its newest routes are refused. */
    QUOTA_EXCEEDED("QuotaExceeded"),
    /** ResolvedRefs: every backend has instances. */
    RESOLVED_REFS("ResolvedRefs"),
    /** ResolvedRefs: some service backend has no routable instance. */
    BACKEND_NOT_FOUND("BackendNotFound"),
    /** ResolvedRefs: a Secret the route's auth.basic references is missing, unreadable, or holds no usable entry. */
    INVALID_SECRET("InvalidSecret"),
    /** ResolvedRefs of a route that is not accepted: nothing was resolved. */
    NOT_ACCEPTED("NotAccepted");

    private final String value;

    ConditionReason(String value) {
        this.value = value;
    }

    /** The name as written in conditions and Events: {@code InvalidPath}. */
    @JsonValue
    public String value() {
        return value;
    }

    @JsonCreator
    public static ConditionReason of(String value) {
        for (ConditionReason r : values()) {
            if (r.value.equals(value)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown condition reason '" + value + "'");
    }

    @Override
    public String toString() {
        return value;
    }
}
