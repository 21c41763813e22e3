package dev.isthmus.model;

import java.time.Instant;
import java.util.List;

/**
 * The complete current output of one source: every route it declares and every problem it found,
 * and, from a source of them, the reference grants in force. Sources emit whole snapshots, never
 * deltas; the aggregator recomputes from them.
 *
 * @param version the source's own version marker (resource version, Consul index, file digest)
 * @param observedAt when the source saw the change that produced this snapshot
 * @param grants the {@link ReferenceGrant}s this source knows of (a ReferenceGrant informer); empty for route sources
 */
public record SourceSnapshot(String sourceId, List<RouteSpec> routes, List<SourceProblem> problems,
        String version, Instant observedAt, List<ReferenceGrant> grants) {

    public SourceSnapshot {
        routes = List.copyOf(routes);
        problems = List.copyOf(problems);
        grants = grants == null ? List.of() : List.copyOf(grants);
    }

    public SourceSnapshot(String sourceId, List<RouteSpec> routes, List<SourceProblem> problems, String version, Instant observedAt) {
        this(sourceId, routes, problems, version, observedAt, List.of());
    }
}
