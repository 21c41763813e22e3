package dev.isthmus.compile;

import java.util.List;
import java.util.Map;

import dev.isthmus.model.Owner;

/**
 * What one compilation produced: the routes to serve (in id order), a verdict for every route
 * and unreadable object of the input, and which owner holds each claimed host (and each path of
 * the default host).
 */
public record CompileResult(List<CompiledRoute> routes, List<RouteStatus> statuses, Map<String, Owner> hostOwners) {

    public CompileResult {
        routes = List.copyOf(routes);
        statuses = List.copyOf(statuses);
        hostOwners = hostOwners == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(hostOwners));
    }

    public CompileResult(List<CompiledRoute> routes, List<RouteStatus> statuses) {
        this(routes, statuses, Map.of());
    }
}
