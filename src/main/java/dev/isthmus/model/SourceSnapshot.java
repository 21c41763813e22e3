package dev.isthmus.model;

import java.time.Instant;
import java.util.List;

/**
 * The complete current output of one source: every route and named policy it declares, every
 * problem it found, and, from a source of them, the reference grants in force. Sources emit whole
 * snapshots, never deltas; the aggregator recomputes from them.
 *
 * @param version the source's own version marker (resource version, Consul index, file digest)
 * @param observedAt when the source saw the change that produced this snapshot
 * @param grants the {@link ReferenceGrant}s this source knows of (a ReferenceGrant informer); empty for route sources
 */
public record SourceSnapshot(String sourceId, List<RouteSpec> routes, List<PolicyDefinition> policies, List<SourceProblem> problems,
        String version, Instant observedAt, List<ReferenceGrant> grants) {

    public SourceSnapshot {
        routes = List.copyOf(routes);
        policies = List.copyOf(policies);
        problems = List.copyOf(problems);
        grants = grants == null ? List.of() : List.copyOf(grants);
    }

    /** A route source's snapshot (no grants). */
    public SourceSnapshot(String sourceId, List<RouteSpec> routes, List<PolicyDefinition> policies, List<SourceProblem> problems,
            String version, Instant observedAt) {
        this(sourceId, routes, policies, problems, version, observedAt, List.of());
    }

    /** A snapshot without named policies. */
    public SourceSnapshot(String sourceId, List<RouteSpec> routes, List<SourceProblem> problems, String version, Instant observedAt) {
        this(sourceId, routes, List.of(), problems, version, observedAt);
    }
}
