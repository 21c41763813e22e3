package dev.isthmus.runtime.auth;

import reactor.core.publisher.Mono;

/**
 * One access check of a route (an address list, a token, credentials, an external service). A
 * route's guards run in policy order; the first denial answers the client. Never blocks: a guard
 * that waits for something (keys, a service, bcrypt) returns a Mono that completes elsewhere.
 */
public interface RequestGuard {

    Mono<AuthDecision> check(AuthRequest request);

    /** The outcome label of a decision for metrics and the access log: allowed, denied (401), forbidden (403), error. */
    static String outcome(AuthDecision d) {
        if (d instanceof AuthDecision.Deny deny) {
            return deny.status() == 401 ? "unauthenticated" : deny.status() == 403 ? "forbidden" : deny.status() >= 500 ? "error" : "denied";
        }
        return "allowed";
    }
}
