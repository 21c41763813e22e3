package dev.isthmus.compile.ownership;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.HostPattern;
import dev.isthmus.compile.PathMatcher;
import dev.isthmus.compile.Problem;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.model.Owner;
import dev.isthmus.model.SourceKind;

/**
 * Decides which owner serves which host: one pure pass over the valid routes, in claim order
 * (the routes file first, then the oldest route first, as conflicts are dated), so every replica
 * decides the same and a holder's traffic never moves to a later claimant (docs/security.md).
 * <ul>
 * <li>A host (exact or {@code *.suffix}) is held by the first owner to serve it. A later claim of
 * the same pattern, or of a narrower one inside it ({@code a.example.com} inside
 * {@code *.example.com}), by another owner is refused ({@code HostClaimed}); a wider claim around
 * held ones is fine: the narrower vhost keeps its requests, as Envoy picks the most specific
 * virtual host. The routes file's claims always win: it is the operator's.</li>
 * <li>With a host policy ({@code isthmus.ownership.hosts}), a tenant may claim only hosts a grant
 * of its covers ({@code NotAllowedHost}), and a narrower grant carves its hosts out of a wider
 * one: an owner granted {@code api.example.com} takes it from one granted {@code *.example.com}.</li>
 * <li>Hosts in {@code isthmus.ownership.shared-hosts} are served by every owner allowed them,
 * ordered by precedence across owners; they are never held.</li>
 * <li>The default host (routes without hosts: every host that no owner claims) is shared by path:
 * each owner's paths there are its territory; a tenant's prefix, exact path or regex may not overlap
 * another owner's, a tenant may not take {@code /}, and regex paths are allowed to tenants only on
 * hosts they hold alone.</li>
 * </ul>
 * Messages name the host (or path) and the owner holding it, never that owner's routes.
 */
public final class HostClaims {

    /** The outcome: the held hosts and default-host paths with their owners, and the routes refused with why. */
    public record Decision(Map<String, Owner> holders, Map<String, List<Problem>> refused) {
    }

    /** A granted claim. {@code grant}: the policy pattern that allowed it (null for the operator or without a policy). */
    private record Holding(Owner owner, HostPattern pattern, HostPattern grant, String claimant) {
    }

    private record PathHolding(Owner owner, String path, boolean prefix, String claimant) {
    }

    private static final Comparator<CompiledRoute> CLAIM_ORDER = Comparator
            .comparing((CompiledRoute r) -> !r.provenance().owner().isOperator())
            .thenComparing(r -> r.provenance().created())
            .thenComparing(CompiledRoute::id);

    private final OwnershipPolicy policy;
    private final Map<String, Holding> exact = new HashMap<>();
    private final Map<String, Holding> wildcard = new HashMap<>();
    private final Map<String, PathHolding> prefixes = new HashMap<>();
    private final Map<String, PathHolding> exactPaths = new HashMap<>();
    /** Every default-host path filed under each of its ancestors: what a prefix claim would cover. */
    private final Map<String, List<PathHolding>> beneath = new HashMap<>();
    private final Map<String, Owner> holders = new TreeMap<>();

    private HostClaims(OwnershipPolicy policy) {
        this.policy = policy;
    }

    public static Decision decide(List<CompiledRoute> routes, OwnershipPolicy policy) {
        HostClaims claims = new HostClaims(policy);
        List<CompiledRoute> ordered = new ArrayList<>(routes);
        ordered.sort(CLAIM_ORDER);
        Map<String, List<Problem>> refused = new LinkedHashMap<>();
        for (CompiledRoute route : ordered) {
            List<Problem> problems = claims.claim(route);
            if (!problems.isEmpty()) {
                refused.put(route.id(), problems);
            }
        }
        return new Decision(java.util.Collections.unmodifiableMap(claims.holders), refused);
    }

    private List<Problem> claim(CompiledRoute route) {
        Owner owner = route.provenance().owner();
        boolean gatewayApi = route.provenance().kind() == SourceKind.HTTP_ROUTE;
        String claimant = claimant(route);
        Set<String> tags = route.provenance().tags();
        List<HostPattern> hosts = route.match().hosts();
        PathMatcher path = route.match().path();
        List<Problem> problems = new ArrayList<>();
        if (hosts.isEmpty()) {
            PathHolding wanted = territory(path, owner, claimant);
            if (!owner.isOperator()) {
                if (gatewayApi) {
                    PathHolding held = heldPath(wanted, claimant);
                    if (held != null) {
                        problems.add(pathClaimed(wanted, held));
                    }
                }
                else if (!policy.allowsDefaultHost(owner, tags)) {
                    problems.add(notAllowed("the ownership policy gives " + owner + " no part of the default host (routes without hosts,"
                            + " '*' in isthmus.ownership.hosts): give the route hosts"));
                }
                else if (path instanceof PathMatcher.RegexPath) {
                    problems.add(notAllowed("a regex path needs hosts its owner holds alone; the default host (no hosts) is shared by path"));
                }
                else if (path instanceof PathMatcher.Prefix p && p.prefix().equals("/")) {
                    problems.add(notAllowed("a route without hosts may not take every path ('/') of the default host, which all owners"
                            + " share by path: give the route hosts, or a longer prefix"));
                }
                else {
                    PathHolding held = heldPath(wanted, claimant);
                    if (held != null) {
                        problems.add(pathClaimed(wanted, held));
                    }
                }
            }
            if (problems.isEmpty()) {
                hold(wanted);
            }
            return problems;
        }
        List<Holding> granted = new ArrayList<>();
        for (HostPattern host : hosts) {
            boolean shared = policy.isShared(host);
            HostPattern grant = null;
            if (!owner.isOperator()) {
                if (policy.hasHostPolicy() && !gatewayApi) {
                    grant = policy.grantFor(owner, tags, host);
                    if (grant == null) {
                        problems.add(notAllowed("host " + host + " is not among the hosts the ownership policy gives " + owner
                                + " (isthmus.ownership.hosts)"));
                        continue;
                    }
                }
                if (shared && !gatewayApi && path instanceof PathMatcher.RegexPath) {
                    problems.add(notAllowed("host " + host + " is shared (isthmus.ownership.shared-hosts): a regex path needs a host"
                            + " its owner holds alone"));
                    continue;
                }
                if (!shared) {
                    Holding held = heldHost(host, claimant, grant);
                    if (held != null) {
                        problems.add(new Problem(ConditionReason.HOST_CLAIMED, "host " + host + " is held by " + held.owner()
                                + (held.pattern().equals(host) ? "" : " (as " + held.pattern() + ")") + "; the first claim wins"));
                        continue;
                    }
                }
            }
            if (!shared) {
                granted.add(new Holding(owner, host, grant, claimant));
            }
        }
        if (problems.isEmpty()) {
            granted.forEach(this::hold);
        }
        return problems;
    }

    /**
     * Who a claim is compared as. HTTPRoutes are the Gateway API's: which of them may serve a host
     * is the Gateway's decision (its listeners' hostnames and allowedRoutes, set by whoever runs the
     * Gateway), and routes of several namespaces share a listener's host by the Gateway API's
     * rules; so among themselves they never conflict as claims, while against every other owner
     * the first claim wins as for anyone. Every other route is compared as its owner.
     */
    private static String claimant(CompiledRoute route) {
        return route.provenance().kind() == SourceKind.HTTP_ROUTE ? "gateway-api" : route.provenance().owner().toString();
    }

    private static Problem pathClaimed(PathHolding wanted, PathHolding held) {
        return new Problem(ConditionReason.HOST_CLAIMED, "path " + wanted.path() + (wanted.prefix() ? " (prefix)" : "")
                + " on the default host (no hosts) overlaps " + held.path() + ", held by " + held.owner() + "; the first claim wins");
    }

    private static Problem notAllowed(String message) {
        return new Problem(ConditionReason.NOT_ALLOWED_HOST, message);
    }

    /** Another owner's holding this claim may not take: the same pattern, or one around it (unless a narrower grant carves it out). */
    private Holding heldHost(HostPattern host, String claimant, HostPattern grant) {
        Holding same = (host.wildcard() ? wildcard : exact).get(host.host());
        if (same != null) {
            // this owner holds the pattern already: a wider wildcard claimed since then does not take it back
            return same.claimant().equals(claimant) ? null : same;
        }
        // wildcards of others around this host: *.suffix for every proper suffix (and, for a wildcard, its own suffix)
        String h = host.host();
        int dot = host.wildcard() ? -1 : h.indexOf('.');
        String suffix = host.wildcard() ? h : dot < 0 ? null : h.substring(dot + 1);
        while (suffix != null) {
            Holding around = wildcard.get(suffix);
            if (around != null && !around.claimant().equals(claimant) && !(around.pattern().equals(host)) && !carvedOut(grant, around)) {
                return around;
            }
            int next = suffix.indexOf('.');
            suffix = next < 0 ? null : suffix.substring(next + 1);
        }
        return null;
    }

    /** With a host policy, a claim granted by a pattern narrower than what the holder holds is carved out of it. */
    private boolean carvedOut(HostPattern grant, Holding around) {
        return policy.hasHostPolicy() && grant != null && !grant.covers(around.pattern());
    }

    private void hold(Holding h) {
        (h.pattern().wildcard() ? wildcard : exact).putIfAbsent(h.pattern().host(), h);
        holders.putIfAbsent(h.pattern().toString(), h.owner());
    }

    // --- the default host, by path ---

    /** The part of the path space a route without hosts takes: its prefix, its exact path, or a regex's literal prefix. */
    private static PathHolding territory(PathMatcher path, Owner owner, String claimant) {
        if (path instanceof PathMatcher.Exact e) {
            return new PathHolding(owner, e.path(), false, claimant);
        }
        return new PathHolding(owner, path.indexPrefix(), true, claimant);
    }

    private PathHolding heldPath(PathHolding wanted, String claimant) {
        // held prefixes at or above the wanted path cover (part of) it
        for (String ancestor : selfAndAncestors(wanted.path())) {
            PathHolding p = prefixes.get(ancestor);
            if (p != null && !p.claimant().equals(claimant)) {
                return p;
            }
        }
        PathHolding e = exactPaths.get(wanted.path());
        if (e != null && !e.claimant().equals(claimant)) {
            return e;
        }
        if (wanted.prefix()) {
            // paths held beneath a wanted prefix would be covered by it
            for (PathHolding below : beneath.getOrDefault(wanted.path(), List.of())) {
                if (!below.claimant().equals(claimant)) {
                    return below;
                }
            }
        }
        return null;
    }

    private void hold(PathHolding held) {
        (held.prefix() ? prefixes : exactPaths).putIfAbsent(held.path(), held);
        holders.putIfAbsent("(default host) " + held.path() + (held.prefix() ? "*" : ""), held.owner());
        for (String ancestor : selfAndAncestors(held.path())) {
            if (!ancestor.equals(held.path()) || !held.prefix()) {
                beneath.computeIfAbsent(ancestor, k -> new ArrayList<>()).add(held);
            }
        }
    }

    /** {@code /a/b} -> {@code /a/b, /a, /}; {@code /a/} -> {@code /a/, /a, /}. */
    static List<String> selfAndAncestors(String path) {
        List<String> out = new ArrayList<>();
        out.add(path);
        String p = path;
        while (p.length() > 1) {
            int slash = p.endsWith("/") ? p.length() - 1 : p.lastIndexOf('/');
            p = slash <= 0 ? "/" : p.substring(0, slash);
            out.add(p);
        }
        return out;
    }
}
