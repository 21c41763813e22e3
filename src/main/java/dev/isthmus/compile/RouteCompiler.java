package dev.isthmus.compile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import dev.isthmus.compile.ownership.HostClaims;
import dev.isthmus.compile.ownership.OwnershipPolicy;
import dev.isthmus.model.ReferenceGrants;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.model.Owner;
import dev.isthmus.model.ReferenceGrant;
import dev.isthmus.model.PolicyDefinition;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceProblem;

/**
 * The compile step of the pipeline: a pure function from every source's routes (and the reference
 * grants in force) to the routes to serve plus a verdict per route, in four passes:
 * <ol>
 * <li>each route on its own: validated, its backends admitted for its owner
 * ({@link dev.isthmus.compile.ownership.BackendAdmission}), so one bad route never affects another;</li>
 * <li>quotas: an owner past {@code isthmus.ownership.quotas.routes-per-owner} keeps its oldest routes;</li>
 * <li>host claims ({@link HostClaims}): which owner serves which host;</li>
 * <li>conflicts: routes with identical host and match, of which only one can ever be chosen: the
 * winner is decided here (precedence, then specificity, then age, then id) and each loser is
 * reported, not dropped silently.</li>
 * </ol>
 * Ownership decisions are made here, once, so every data plane serves the same ones.
 */
public final class RouteCompiler {

    private final RouteTranslator translator;
    private final OwnershipPolicy ownership;

    /** @param policies the policy compile units, in the order a runtime applies them ({@code BuiltInPolicies.compilers()}) */
    public RouteCompiler(CompileSettings settings, List<PolicyCompiler<?>> policies) {
        this.translator = new RouteTranslator(settings, policies);
        this.settings = settings;
        this.ownership = settings.ownership();
    }

    private final CompileSettings settings;

    public CompileResult compile(List<RouteSpec> routes, List<SourceProblem> problems) {
        return compile(routes, List.of(), problems);
    }

    /**
     * @param policies the named policies the sources declared; the operator's own
     *     ({@link CompileSettings#policies()}) come first and win a name
     */
    public CompileResult compile(List<RouteSpec> routes, List<PolicyDefinition> policies, List<SourceProblem> problems) {
        return compile(routes, policies, problems, List.of());
    }

    /** @param grants ReferenceGrants read from the cluster; the operator's configured grants are added to them */
    public CompileResult compile(List<RouteSpec> routes, List<PolicyDefinition> policies, List<SourceProblem> problems,
            List<ReferenceGrant> grants) {
        List<ReferenceGrant> all = new ArrayList<>(ownership.grants());
        all.addAll(grants);
        ReferenceGrants granted = new ReferenceGrants(all);
        List<RouteStatus> statuses = new ArrayList<>();
        List<PolicyDefinition> definitions = new ArrayList<>(settings.policies());
        definitions.addAll(sortedPolicies(policies));
        NamedPolicies named = new NamedPolicies(definitions);
        for (NamedPolicies.DefinitionProblem d : named.problems()) {
            statuses.add(RouteStatus.rejected(null, d.definition().object(), 0, List.of(d.problem())));
        }
        for (PolicyDefinition d : named.all()) {
            List<Problem> found = translator.check(d);
            if (!found.isEmpty()) {
                statuses.add(RouteStatus.rejected(null, d.object(), 0, found));
            }
        }
        Map<String, CompiledRoute> valid = new LinkedHashMap<>();
        Map<String, List<String>> warnings = new HashMap<>();
        Set<String> ids = new HashSet<>();
        for (RouteSpec route : sortedById(routes)) {
            if (!ids.add(route.id())) {
                statuses.add(RouteStatus.rejected(route.id(), route.provenance().object(), route.provenance().generation(),
                        List.of(new Problem(ConditionReason.DUPLICATE, "another route has the same id " + route.id()))));
                continue;
            }
            RouteTranslator.Outcome outcome = translator.translate(route, named, granted);
            if (outcome.route() == null) {
                statuses.add(RouteStatus.rejected(route.id(), route.provenance().object(), route.provenance().generation(),
                        outcome.problems()));
                continue;
            }
            valid.put(route.id(), outcome.route());
            if (!outcome.warnings().isEmpty()) {
                warnings.put(route.id(), outcome.warnings());
            }
        }
        for (SourceProblem p : problems) {
            statuses.add(RouteStatus.rejected(p.routeId(), p.object(), p.generation(), List.of(new Problem(p.reason(), p.message()))));
        }

        for (Map.Entry<String, Problem> over : overQuota(valid.values()).entrySet()) {
            CompiledRoute route = valid.remove(over.getKey());
            statuses.add(RouteStatus.rejected(route.id(), route.provenance().object(), route.provenance().generation(), List.of(over.getValue())));
        }
        HostClaims.Decision claims = HostClaims.decide(List.copyOf(valid.values()), ownership);
        for (Map.Entry<String, List<Problem>> refused : claims.refused().entrySet()) {
            CompiledRoute route = valid.remove(refused.getKey());
            statuses.add(RouteStatus.rejected(route.id(), route.provenance().object(), route.provenance().generation(), refused.getValue()));
        }

        Map<String, List<String>> shadowed = findShadowed(valid.values());
        List<CompiledRoute> accepted = new ArrayList<>();
        for (CompiledRoute route : valid.values()) {
            List<String> lostTo = shadowed.get(route.id());
            int hostCount = Math.max(1, route.match().hosts().size());
            if (lostTo != null && lostTo.size() >= hostCount) {
                statuses.add(RouteStatus.rejected(route.id(), route.provenance().object(), route.provenance().generation(),
                        List.of(new Problem(ConditionReason.CONFLICTED, "same hosts and match as " + describe(lostTo) + ", which "
                                + (lostTo.stream().distinct().count() == 1 ? "takes" : "take")
                                + " priority (higher precedence, or older); this route can never be chosen"))));
                continue;
            }
            accepted.add(route);
            List<String> notes = new ArrayList<>(warnings.getOrDefault(route.id(), List.of()));
            if (lostTo != null) {
                notes.add("partly shadowed: on " + lostTo.size() + " of its " + hostCount + " hosts, "
                        + describe(lostTo) + (lostTo.stream().distinct().count() == 1 ? " takes" : " take")
                        + " priority (same match, higher precedence or older)");
            }
            statuses.add(RouteStatus.accepted(route, notes.isEmpty() ? null : String.join("; ", notes)));
        }
        statuses.sort(Comparator.comparing((RouteStatus s) -> s.routeId() == null ? "" : s.routeId())
                .thenComparing(s -> s.object().toString()).thenComparing(s -> Objects.toString(s.message(), "")));
        return new CompileResult(accepted, statuses, claims.holders());
    }

    /**
     * The routes past their owner's quota: an owner other than the operator keeps its oldest
     * {@code maxRoutesPerOwner} valid routes (so a new route never displaces a served one), the
     * rest are refused; other owners are not affected.
     */
    private Map<String, Problem> overQuota(Iterable<CompiledRoute> routes) {
        int max = ownership.maxRoutesPerOwner();
        Map<String, Problem> over = new LinkedHashMap<>();
        if (max <= 0) {
            return over;
        }
        Map<Owner, List<CompiledRoute>> byOwner = new HashMap<>();
        for (CompiledRoute r : routes) {
            Owner owner = r.provenance().owner();
            if (!owner.isOperator()) {
                byOwner.computeIfAbsent(owner, k -> new ArrayList<>()).add(r);
            }
        }
        byOwner.forEach((owner, list) -> {
            if (list.size() > max) {
                list.sort(Comparator.comparing((CompiledRoute r) -> r.provenance().created()).thenComparing(CompiledRoute::id));
                for (CompiledRoute r : list.subList(max, list.size())) {
                    over.put(r.id(), new Problem(ConditionReason.QUOTA_EXCEEDED, owner + " has " + list.size() + " routes, more than its quota of "
                            + max + " (isthmus.ownership.quotas.routes-per-owner): its newest routes are not served"));
                }
            }
        });
        return over;
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
            RequestMatch m = route.match();
            List<String> hostKeys = m.hosts().isEmpty() ? List.of("*") : m.hosts().stream().map(HostPattern::key).toList();
            for (String host : hostKeys) {
                MatchKey key = new MatchKey(host, m.path(), m.methods(), new TreeSet<>(m.headers().stream()
                        .map(ValuePredicate::toString).toList()), new TreeSet<>(m.queryParams().stream().map(ValuePredicate::toString).toList()));
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

    /** Sources in a stable order, so which of two clashing definitions wins never depends on arrival. */
    private static List<PolicyDefinition> sortedPolicies(List<PolicyDefinition> policies) {
        List<PolicyDefinition> sorted = new ArrayList<>(policies);
        sorted.sort(Comparator.comparing((PolicyDefinition d) -> d.object().toString()).thenComparing(PolicyDefinition::name));
        return sorted;
    }

    private static List<RouteSpec> sortedById(List<RouteSpec> routes) {
        List<RouteSpec> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparing(RouteSpec::id).thenComparing(r -> r.provenance().object().toString()));
        return sorted;
    }
}
