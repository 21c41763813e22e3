package dev.isthmus.runtime.auth;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import reactor.netty.http.client.HttpClient;

import dev.isthmus.compile.policy.JwtAuthPolicy;

/**
 * One {@link JwksSource} per issuer key location, shared by every route that trusts it (a hundred
 * routes behind one identity provider fetch its keys once). Sources of issuers no route references
 * any more are dropped when a routing table without them is in service ({@link #retain}).
 */
public final class JwksRegistry {

    /** What identifies a key source: its URL, or the issuer whose discovery document names it. */
    record Location(URI jwksUri, URI discoveryUri, String issuer) {
        static Location of(JwtAuthPolicy p) {
            return p.jwksUri() != null ? new Location(p.jwksUri(), null, null) : new Location(null, p.discoveryUri(), p.issuer());
        }
    }

    private final HttpClient client;
    private final Duration timeout;
    private final Duration maxAge;
    private final Duration minRefreshInterval;
    private final Map<Location, JwksSource> sources = new ConcurrentHashMap<>();

    /**
     * @param client the gateway's upstream client (its connection pool, TLS trust and resolver)
     * @param maxAge keys older than this are refreshed in the background
     * @param minRefreshInterval at most one fetch per source this often, whatever tokens arrive
     */
    public JwksRegistry(HttpClient client, Duration timeout, Duration maxAge, Duration minRefreshInterval) {
        this.client = client;
        this.timeout = timeout;
        this.maxAge = maxAge;
        this.minRefreshInterval = minRefreshInterval;
    }

    public JwksSource source(JwtAuthPolicy policy) {
        return sources.computeIfAbsent(Location.of(policy), l -> new JwksSource(l.jwksUri(), l.discoveryUri(), l.issuer(), client, timeout, maxAge,
                minRefreshInterval, Clock.systemUTC()));
    }

    /** Keeps the sources of these policies (the routing table now in service), drops the rest. */
    public void retain(List<JwtAuthPolicy> inUse) {
        Set<Location> keep = inUse.stream().filter(Objects::nonNull).map(Location::of).collect(Collectors.toSet());
        sources.keySet().retainAll(keep);
    }

    /** Every source's state, for the admin endpoints. */
    public List<Map<String, Object>> describe() {
        return sources.values().stream().map(JwksSource::describe).toList();
    }
}
