package dev.isthmus.runtime;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.isthmus.compile.CompileResult;

/**
 * One immutable generation of the routing table: the routes, their lookup index and the compile
 * verdicts that produced them. Swapped atomically; requests in flight keep the table they started with.
 */
public final class RouteTable {

    public static final RouteTable EMPTY = new RouteTable(0, List.of(), new CompileResult(List.of(), List.of()), Instant.EPOCH, Set.of(),
            Map.of());

    private final long version;
    private final Map<String, ActiveRoute> byId;
    private final RouteIndex<ActiveRoute> index;
    private final CompileResult result;
    private final Instant builtAt;
    private final Set<String> sources;
    private final Map<String, Instant> changes;

    RouteTable(long version, List<ActiveRoute> routes, CompileResult result, Instant builtAt, Set<String> sources,
            Map<String, Instant> changes) {
        this(version, routes, result, builtAt, sources, changes, false);
    }

    /** @param fallThrough isthmus.ownership.fall-through ({@link RouteIndex}) */
    RouteTable(long version, List<ActiveRoute> routes, CompileResult result, Instant builtAt, Set<String> sources,
            Map<String, Instant> changes, boolean fallThrough) {
        this.version = version;
        this.sources = Set.copyOf(sources);
        this.changes = Map.copyOf(changes);
        this.result = result;
        this.builtAt = builtAt;
        Map<String, ActiveRoute> map = new LinkedHashMap<>();
        routes.forEach(r -> map.put(r.id(), r));
        this.byId = java.util.Collections.unmodifiableMap(map);
        this.index = RouteIndex.build(routes, ActiveRoute::compiled, fallThrough);
    }

    /**
     * @param host lower-case host without port, or null
     * @param path the normalized path
     * @param method the method to match (for a CORS preflight, the method it asks about)
     */
    public ActiveRoute find(String host, String path, String method, ServerHttpRequest request) {
        return index.find(host, path, route -> route.matchesRest(request, method));
    }

    public long version() {
        return version;
    }

    public List<ActiveRoute> routes() {
        return List.copyOf(byId.values());
    }

    public ActiveRoute route(String id) {
        return byId.get(id);
    }

    public int size() {
        return byId.size();
    }

    public CompileResult compileResult() {
        return result;
    }

    public Instant builtAt() {
        return builtAt;
    }

    /** The sources whose change led to this table, with when each source saw its (oldest unapplied) change. */
    public Map<String, Instant> changes() {
        return changes;
    }

    /** The sources whose snapshots this table was built from. */
    public Set<String> sources() {
        return sources;
    }
}
