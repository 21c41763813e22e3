package dev.isthmus.runtime;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.isthmus.compile.CompileResult;

/**
 * One immutable generation of the routing table: the routes, their lookup index and the compile
 * verdicts that produced them. Swapped atomically; requests in flight keep the table they started with.
 */
public final class RouteTable {

    public static final RouteTable EMPTY = new RouteTable(0, List.of(), new CompileResult(List.of(), List.of()), Instant.EPOCH);

    private final long version;
    private final Map<String, ActiveRoute> byId;
    private final RouteIndex<ActiveRoute> index;
    private final CompileResult result;
    private final Instant builtAt;

    RouteTable(long version, List<ActiveRoute> routes, CompileResult result, Instant builtAt) {
        this.version = version;
        this.result = result;
        this.builtAt = builtAt;
        Map<String, ActiveRoute> map = new LinkedHashMap<>();
        routes.forEach(r -> map.put(r.id(), r));
        this.byId = java.util.Collections.unmodifiableMap(map);
        this.index = RouteIndex.build(routes, ActiveRoute::compiled);
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
}
