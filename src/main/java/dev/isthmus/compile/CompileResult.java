package dev.isthmus.compile;

import java.util.List;

/**
 * What one compilation produced: the routes to serve (in id order) and a verdict for every route
 * and unreadable object of the input.
 */
public record CompileResult(List<CompiledRoute> routes, List<RouteStatus> statuses) {

    public CompileResult {
        routes = List.copyOf(routes);
        statuses = List.copyOf(statuses);
    }
}
