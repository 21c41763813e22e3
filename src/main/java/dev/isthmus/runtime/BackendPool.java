package dev.isthmus.runtime;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.UpstreamTransport;
import dev.isthmus.compile.WeightedBackend;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.compile.policy.LoadBalancing;
import dev.isthmus.compile.policy.LoadBalancing.HashKey;
import dev.isthmus.discovery.ConsistentHashBalancer;
import dev.isthmus.discovery.Instance;
import dev.isthmus.discovery.LeastRequestBalancer;
import dev.isthmus.discovery.LoadBalancer;
import dev.isthmus.discovery.RandomBalancer;
import dev.isthmus.discovery.RoundRobinBalancer;
import dev.isthmus.model.Owner;

/**
 * A route's backends and the balancing state of each. Backends are picked by weight in a fixed
 * cycle (exact shares, no drift); with consistent hashing, by the request's key, so a client stays
 * on one backend as well as on one instance.
 */
public final class BackendPool {

    /**
     * One backend of the route and its balancer.
     *
     * @param fixed the single instance of a fixed-URL backend, null for services
     * @param scope the route's owner: passive health is kept per owner ({@code OutlierDetector})
     * @param trust how far the addresses this backend resolves to are trusted: a {@code url:} of
     *     the routes file as the operator's, everything else (registry addresses, tenants' URLs) as a tenant's
     * @param transport its protocol and own TLS, null for plain HTTP/1.1 with the gateway-wide TLS settings
     */
    public record Backend(BackendTarget target, int weight, LoadBalancer balancer, List<Instance> fixed, String scope,
            DestinationGuard.Trust trust, UpstreamTransport transport) {

        /** The bulkhead's key: this upstream, for the routes of this owner ({@code ConcurrencyLimiter}). */
        public String bulkheadKey() {
            return scope + "|" + target.display();
        }
    }

    private final List<Backend> backends;
    private final long[] cumulative;
    private final long total;
    private final LoadBalancing balancing;
    private final AtomicLong counter = new AtomicLong();
    private final boolean autoHostHeader;

    /**
     * @param owner the route's owner: the scope of its backends' passive health and bulkheads
     * @param autoHostHeader send the chosen instance's host:port as the Host header ({@code autoHostRewrite})
     */
    BackendPool(List<WeightedBackend> weighted, LoadBalancing balancing, Owner owner, boolean autoHostHeader) {
        this.balancing = balancing;
        this.autoHostHeader = autoHostHeader;
        this.backends = weighted.stream().map(w -> new Backend(w.target(), w.weight(), balancer(balancing),
                w.target() instanceof BackendTarget.Url url ? List.of(instanceOf(url))
                        : w.target() instanceof BackendTarget.Unavailable ? List.of() : null, owner.toString(),
                owner.isOperator() && w.target() instanceof BackendTarget.Url ? DestinationGuard.Trust.OPERATOR
                        : DestinationGuard.Trust.TENANT, w.transport())).toList();
        this.cumulative = new long[backends.size()];
        long sum = 0;
        for (int i = 0; i < backends.size(); i++) {
            sum += backends.get(i).weight();
            cumulative[i] = sum;
        }
        this.total = sum;
    }

    private static Instance instanceOf(BackendTarget.Url url) {
        java.net.URI uri = url.uri();
        boolean secure = "https".equals(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : secure ? 443 : 80;
        return new Instance(uri.getHost() + ":" + port, uri.getHost(), port, secure, 1, BackendTarget.Registry.ANY, null, null);
    }

    private static LoadBalancer balancer(LoadBalancing balancing) {
        return switch (balancing.policy()) {
            case ROUND_ROBIN -> new RoundRobinBalancer();
            case LEAST_REQUEST -> new LeastRequestBalancer();
            case RANDOM -> new RandomBalancer();
            case CONSISTENT_HASH -> new ConsistentHashBalancer();
        };
    }

    public List<Backend> backends() {
        return backends;
    }

    /** Whether the Host header sent upstream is the chosen instance's ({@code autoHostRewrite}). */
    public boolean autoHostHeader() {
        return autoHostHeader;
    }

    /**
     * The backend for this request: the next in the weighted cycle, or by hash key. {@code skip}
     * is a backend known to have no instance, passed when retrying the pick.
     */
    public Backend pick(String hashKey, Backend skip) {
        if (backends.size() == 1) {
            return backends.get(0);
        }
        long point = hashKey != null ? Math.floorMod(hashKey.hashCode() * 0x9E3779B97F4A7C15L, total)
                : Math.floorMod(counter.getAndIncrement(), total);
        Backend chosen = at(point);
        if (chosen == skip) {
            // walk the cycle to the next backend with weight
            for (int i = 0; i < backends.size(); i++) {
                Backend b = backends.get(i);
                if (b != skip && b.weight() > 0) {
                    return b;
                }
            }
        }
        return chosen;
    }

    private Backend at(long point) {
        for (int i = 0; i < cumulative.length; i++) {
            if (point < cumulative[i]) {
                return backends.get(i);
            }
        }
        return backends.get(backends.size() - 1);
    }

    /** The consistent-hash key of a request, setting the hash cookie when the client has none. */
    public String hashKey(ServerWebExchange exchange) {
        HashKey key = balancing.hashOn();
        if (key == null) {
            return null;
        }
        if (key instanceof HashKey.Header h) {
            return exchange.getRequest().getHeaders().getFirst(h.name());
        }
        if (key instanceof HashKey.Cookie c) {
            HttpCookie cookie = exchange.getRequest().getCookies().getFirst(c.name());
            if (cookie != null && !cookie.getValue().isEmpty()) {
                return cookie.getValue();
            }
            String value = UUID.randomUUID().toString();
            // Lax: sent on top-level navigation, not on cross-site subrequests; Secure whenever the client came over https
            ResponseCookie.ResponseCookieBuilder set = ResponseCookie.from(c.name(), value).path(c.path()).httpOnly(true).sameSite("Lax")
                    .secure("https".equalsIgnoreCase(exchange.getRequest().getURI().getScheme()));
            if (c.ttl() != null) {
                set.maxAge(Duration.ofSeconds(Math.max(1, c.ttl().toSeconds())));
            }
            exchange.getResponse().addCookie(set.build());
            return value;
        }
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        return remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress();
    }
}
