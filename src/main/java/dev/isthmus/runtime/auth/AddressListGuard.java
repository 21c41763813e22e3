package dev.isthmus.runtime.auth;

import java.net.InetSocketAddress;
import java.util.List;

import reactor.core.publisher.Mono;

import dev.isthmus.model.Cidrs;

/**
 * {@code ipAllow} / {@code ipDeny}: the trusted client address (never a header: the transport
 * already decided it from trusted proxies and the PROXY protocol) against a CIDR list. A match
 * costs a few byte comparisons per network and no allocation; the decision is ready at once.
 */
public final class AddressListGuard implements RequestGuard {

    private static final Mono<AuthDecision> ALLOWED = Mono.just(AuthDecision.ALLOW);

    private final Cidrs networks;
    private final boolean allowList;
    private final Mono<AuthDecision> refused;

    private AddressListGuard(List<String> cidrs, boolean allowList) {
        this.networks = Cidrs.parse(cidrs);
        this.allowList = allowList;
        this.refused = Mono.just(AuthDecision.Deny.forbidden(allowList ? "your address is not allowed on this route"
                : "your address is refused on this route"));
    }

    /** Admits only addresses in {@code cidrs}. */
    public static AddressListGuard allow(List<String> cidrs) {
        return new AddressListGuard(cidrs, true);
    }

    /** Refuses addresses in {@code cidrs}. */
    public static AddressListGuard deny(List<String> cidrs) {
        return new AddressListGuard(cidrs, false);
    }

    /** Whether the client may pass (synchronous: a data plane may call this without a Mono). */
    public boolean admits(InetSocketAddress client) {
        boolean listed = client != null && networks.contains(client.getAddress());
        return allowList == listed;
    }

    @Override
    public Mono<AuthDecision> check(AuthRequest request) {
        return admits(request.client()) ? ALLOWED : refused;
    }

    @Override
    public String toString() {
        return (allowList ? "allow " : "deny ") + networks;
    }
}
