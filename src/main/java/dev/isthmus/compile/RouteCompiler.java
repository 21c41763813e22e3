package dev.isthmus.compile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceProblem;

/**
 * The compile step of the pipeline: a pure function from every source's routes to the routes to
 * serve plus a verdict per route. Each route is validated on its own, so one bad route never
 * affects another. Routes with identical host and match conflict: only one can ever be chosen, so
 * the winner is decided here (precedence, then specificity, then age, then id) and each loser is
 * reported, not dropped silently.
 */
public final class RouteCompiler {

    private final RouteValidator validator;

    public RouteCompiler(CompileSettings settings) {
        this.validator = new RouteValidator(settings);
    }

    public CompileResult compile(List<RouteSpec> routes, List<SourceProblem> problems) {
        List<RouteStatus> statuses = new ArrayList<>();
        Map<String, CompiledRoute> valid = new LinkedHashMap<>();
        Set<String> ids = new java.util.HashSet<>();
        for (RouteSpec route : sortedById(routes)) {
            if (!ids.add(route.id())) {
                statuses.add(new RouteStatus(route.id(), route.provenance().object(), route.provenance().generation(), false,
                        "Duplicate", "another route has the same id " + route.id()));
                continue;
            }
            try {
                valid.put(route.id(), validator.validate(route));
            }
            catch (InvalidRouteException e) {
                statuses.add(new RouteStatus(route.id(), route.provenance().object(), route.provenance().generation(), false,
                        e.reason(), e.getMessage()));
            }
        }
        for (SourceProblem p : problems) {
            statuses.add(new RouteStatus(p.routeId(), p.object(), p.generation(), false, p.reason(), p.message()));
        }

        Map<String, List<String>> shadowed = findShadowed(valid.values());
        List<CompiledRoute> accepted = new ArrayList<>();
        for (CompiledRoute route : valid.values()) {
            List<String> lostTo = shadowed.get(route.id());
            int hostCount = Math.max(1, route.hosts().size());
            if (lostTo != null && lostTo.size() >= hostCount) {
                statuses.add(new RouteStatus(route.id(), route.provenance().object(), route.provenance().generation(), false,
                        "Conflicted", "same hosts and match as " + describe(lostTo) + ", which "
                                + (lostTo.stream().distinct().count() == 1 ? "takes" : "take")
                                + " priority (higher precedence, or older); this route can never be chosen"));
                continue;
            }
            accepted.add(route);
            statuses.add(RouteStatus.accepted(route, lostTo == null ? null
                    : "partly shadowed: on " + lostTo.size() + " of its " + Math.max(1, route.hosts().size()) + " hosts, "
                            + describe(lostTo) + (lostTo.stream().distinct().count() == 1 ? " takes" : " take")
                            + " priority (same match, higher precedence or older)"));
        }
        statuses.sort(Comparator.comparing((RouteStatus s) -> s.routeId() == null ? "" : s.routeId())
                .thenComparing(s -> s.object().toString()).thenComparing(s -> Objects.toString(s.message(), "")));
        return new CompileResult(accepted, statuses);
    }

    /**
     * For each route that loses to another with an identical host and match, the ids of the
     * winners, one entry per host on which it loses.
     */
    private static Map<String, List<String>> findShadowed(Iterable<CompiledRoute> routes) {
        Map<MatchKey, CompiledRoute> winners = new HashMap<>();
        Map<String, List<String>> shadowed = new HashMap<>();
        List<CompiledRoute> ordered = new ArrayList<>();
        routes.forEach(ordered::add);
        ordered.sort(CompiledRoute.PRIORITY);
        for (CompiledRoute route : ordered) {
            List<String> hostKeys = route.hosts().isEmpty() ? List.of("*") : route.hosts().stream().map(HostPattern::key).toList();
            for (String host : hostKeys) {
                MatchKey key = new MatchKey(host, route.path(), route.methods(), new TreeSet<>(route.headers().stream()
                        .map(ValuePredicate::toString).toList()), new TreeSet<>(route.queryParams().stream().map(ValuePredicate::toString).toList()));
                CompiledRoute winner = winners.putIfAbsent(key, route);
                if (winner != null) {
                    shadowed.computeIfAbsent(route.id(), k -> new ArrayList<>()).add(winner.id());
                }
            }
        }
        return shadowed;
    }

    private record MatchKey(String host, PathMatcher path, Set<?> methods, Set<String> headers, Set<String> query) {
    }

    private static String describe(List<String> ids) {
        List<String> unique = ids.stream().distinct().toList();
        return (unique.size() == 1 ? "route " : "routes ") + String.join(", ", unique);
    }

    private static List<RouteSpec> sortedById(List<RouteSpec> routes) {
        List<RouteSpec> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparing(RouteSpec::id).thenComparing(r -> r.provenance().object().toString()));
        return sorted;
    }
}
