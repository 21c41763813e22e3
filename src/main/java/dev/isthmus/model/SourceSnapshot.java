package dev.isthmus.model;

import java.time.Instant;
import java.util.List;

/**
 * The complete current output of one source: every route it declares and every problem it found.
 * Sources emit whole snapshots, never deltas; the aggregator recomputes from them.
 *
 * @param version the source's own version marker (resource version, Consul index, file digest)
 * @param observedAt when the source saw the change that produced this snapshot
 */
public record SourceSnapshot(String sourceId, List<RouteSpec> routes, List<SourceProblem> problems,
        String version, Instant observedAt) {

    public SourceSnapshot {
        routes = List.copyOf(routes);
        problems = List.copyOf(problems);
    }
}
