package dev.isthmus.model;

import java.time.Instant;
import java.util.List;

/**
 * The complete current output of one source: every route and named policy it declares and every
 * problem it found.
 * Sources emit whole snapshots, never deltas; the aggregator recomputes from them.
 *
 * @param version the source's own version marker (resource version, Consul index, file digest)
 * @param observedAt when the source saw the change that produced this snapshot
 */
public record SourceSnapshot(String sourceId, List<RouteSpec> routes, List<PolicyDefinition> policies, List<SourceProblem> problems,
        String version, Instant observedAt) {

    public SourceSnapshot {
        routes = List.copyOf(routes);
        policies = List.copyOf(policies);
        problems = List.copyOf(problems);
    }

    /** A snapshot without named policies. */
    public SourceSnapshot(String sourceId, List<RouteSpec> routes, List<SourceProblem> problems, String version, Instant observedAt) {
        this(sourceId, routes, List.of(), problems, version, observedAt);
    }
}
