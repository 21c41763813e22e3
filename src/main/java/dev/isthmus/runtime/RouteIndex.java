package dev.isthmus.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.HostPattern;
import dev.isthmus.compile.PathMatcher;

/**
 * The request-path lookup structure: host, then path, then the few remaining candidates.
 * <ul>
 * <li>Hosts: a hash map of exact names, one of wildcard suffixes (tried from the longest suffix
 * down), and the routes for any host. As Envoy selects one virtual host per request, a request is
 * served by the most specific bucket that exists for its host (the exact name, else the longest
 * wildcard, else the any-host routes), and by that bucket only: a host that has routes is closed,
 * and a path none of them matches is a 404, never a catch-all route's (docs/routes.md, "Hosts").
 * With {@code fallThrough} (isthmus.ownership.fall-through, the operator's opt-in), a request that
 * nothing in its bucket matches is tried against the operator's own routes (the routes file's) in
 * the less specific buckets, never against another owner's.</li>
 * <li>Paths, within a host bucket: a hash map of exact paths and a trie of path segments holding
 * prefix routes and regex routes (filed under their literal prefix). A lookup walks the request's
 * segments once.</li>
 * <li>Candidates at each node are sorted by {@link CompiledRoute#PRIORITY}; only those are tested
 * against methods, headers and query parameters.</li>
 * </ul>
 * The cost of a lookup depends on the path depth and the candidates per node, not on how many
 * routes there are. Immutable once built; a new index is built for every routing table.
 *
 * @param <R> the runtime route type carried at the leaves
 */
public final class RouteIndex<R> {

    /** A route at a leaf, with its rank in the global priority order (lower wins). */
    private record Entry<R>(R route, CompiledRoute compiled, int rank) {
    }

    private final Map<String, HostBucket<R>> exactHosts;
    private final Map<String, HostBucket<R>> wildcardHosts;
    private final HostBucket<R> anyHost;
    private final boolean hasWildcards;
    private final int size;
    /** The operator's routes of the wildcard and any-host buckets, for fall-through; null without it. */
    private final RouteIndex<R> fallback;

    private RouteIndex(Map<String, HostBucket<R>> exactHosts, Map<String, HostBucket<R>> wildcardHosts, HostBucket<R> anyHost,
            int size, RouteIndex<R> fallback) {
        this.exactHosts = exactHosts;
        this.wildcardHosts = wildcardHosts;
        this.anyHost = anyHost;
        this.hasWildcards = !wildcardHosts.isEmpty();
        this.size = size;
        this.fallback = fallback;
    }

    /** Without fall-through: a host that has routes is served by them only. */
    public static <R> RouteIndex<R> build(List<R> routes, Function<R, CompiledRoute> compiled) {
        return build(routes, compiled, false);
    }

    /** @param fallThrough try the operator's less specific routes when nothing in a request's host bucket matches */
    public static <R> RouteIndex<R> build(List<R> routes, Function<R, CompiledRoute> compiled, boolean fallThrough) {
        RouteIndex<R> fallback = null;
        if (fallThrough) {
            List<R> operators = routes.stream().filter(r -> compiled.apply(r).provenance().owner().isOperator()).toList();
            fallback = build(operators, compiled, false);
        }
        return build(routes, compiled, fallback);
    }

    private static <R> RouteIndex<R> build(List<R> routes, Function<R, CompiledRoute> compiled, RouteIndex<R> fallback) {
        List<Entry<R>> ranked = new ArrayList<>(routes.size());
        for (R route : routes) {
            ranked.add(new Entry<>(route, compiled.apply(route), 0));
        }
        ranked.sort(Comparator.comparing(Entry::compiled, CompiledRoute.PRIORITY));
        Map<String, HostBucket<R>> exact = new HashMap<>();
        Map<String, HostBucket<R>> wildcard = new HashMap<>();
        HostBucket<R> any = new HostBucket<>();
        for (int i = 0; i < ranked.size(); i++) {
            Entry<R> e = new Entry<>(ranked.get(i).route(), ranked.get(i).compiled(), i);
            if (e.compiled().match().hosts().isEmpty()) {
                any.add(e);
                continue;
            }
            for (HostPattern host : e.compiled().match().hosts()) {
                (host.wildcard() ? wildcard : exact).computeIfAbsent(host.key(), k -> new HostBucket<>()).add(e);
            }
        }
        exact.values().forEach(HostBucket::seal);
        wildcard.values().forEach(HostBucket::seal);
        any.seal();
        return new RouteIndex<>(Map.copyOf(exact), Map.copyOf(wildcard), any, routes.size(), fallback);
    }

    public int size() {
        return size;
    }

    /**
     * @param host the request's host, lower-case, without port
     * @param path the normalized request path
     * @param rest the remaining predicates (methods, headers, query parameters)
     * @return the winning route, or null when none matches
     */
    public R find(String host, String path, Predicate<R> rest) {
        if (host != null && !host.isEmpty()) {
            HostBucket<R> bucket = exactHosts.get(host);
            if (bucket != null) {
                R found = bucket.find(path, rest);
                return found != null || fallback == null ? found : fallback.fallThrough(host, host.indexOf('.'), path, rest);
            }
            if (hasWildcards) {
                // "*.example.org" is stored as ".example.org"; try a.b.example.org's suffixes, longest first.
                int dot = host.indexOf('.');
                while (dot >= 0) {
                    bucket = wildcardHosts.get(host.substring(dot));
                    if (bucket != null) {
                        R found = bucket.find(path, rest);
                        return found != null || fallback == null ? found : fallback.fallThrough(host, host.indexOf('.', dot + 1), path, rest);
                    }
                    dot = host.indexOf('.', dot + 1);
                }
            }
        }
        return anyHost.find(path, rest);
    }

    /**
     * Fall-through, on the operator-only index: its wildcard buckets from the suffix starting at
     * {@code dot} (-1: none), longest first, then its any-host routes.
     */
    private R fallThrough(String host, int dot, String path, Predicate<R> rest) {
        while (hasWildcards && dot >= 0) {
            HostBucket<R> bucket = wildcardHosts.get(host.substring(dot));
            if (bucket != null) {
                R found = bucket.find(path, rest);
                if (found != null) {
                    return found;
                }
            }
            dot = host.indexOf('.', dot + 1);
        }
        return anyHost.find(path, rest);
    }

    /** The routes of one host (or of any host): exact paths, and a segment trie for prefixes and regexes. */
    private static final class HostBucket<R> {
        private Map<String, List<Entry<R>>> exactPaths = new HashMap<>();
        private final Node<R> root = new Node<>();

        void add(Entry<R> e) {
            PathMatcher path = e.compiled().match().path();
            if (path instanceof PathMatcher.Exact exact) {
                exactPaths.computeIfAbsent(exact.path(), k -> new ArrayList<>()).add(e);
            }
            else {
                root.descend(path.indexPrefix()).routes.add(e);
            }
        }

        void seal() {
            exactPaths.replaceAll((k, v) -> sorted(v));
            exactPaths = Map.copyOf(exactPaths);
            root.seal();
        }

        R find(String path, Predicate<R> rest) {
            Entry<R> best = null;
            List<Entry<R>> exact = exactPaths.get(path);
            if (exact != null) {
                best = first(exact, path, rest, null);
            }
            // Walk the path's segments once, keeping the best candidate seen at any node on the way.
            Node<R> node = root;
            best = first(node.routes, path, rest, best);
            int start = 1;
            int n = path.length();
            while (start < n && node.children != null) {
                int end = path.indexOf('/', start);
                if (end < 0) {
                    end = n;
                }
                node = node.children.get(path.substring(start, end));
                if (node == null) {
                    break;
                }
                best = first(node.routes, path, rest, best);
                start = end + 1;
            }
            return best == null ? null : best.route();
        }

        /** The first candidate of a rank-sorted list that matches and outranks {@code best}, else {@code best}. */
        private static <R> Entry<R> first(List<Entry<R>> candidates, String path, Predicate<R> rest, Entry<R> best) {
            for (int i = 0, n = candidates.size(); i < n; i++) {
                Entry<R> candidate = candidates.get(i);
                if (best != null && candidate.rank() >= best.rank()) {
                    return best; // sorted by rank: no later candidate can win either
                }
                if (candidate.compiled().match().path().matches(path) && rest.test(candidate.route())) {
                    return candidate;
                }
            }
            return best;
        }

        static <R> List<Entry<R>> sorted(List<Entry<R>> routes) {
            List<Entry<R>> copy = new ArrayList<>(routes);
            copy.sort(Comparator.comparingInt(Entry::rank));
            return List.copyOf(copy);
        }
    }

    private static final class Node<R> {
        private Map<String, Node<R>> children;
        private List<Entry<R>> routes = new ArrayList<>();

        Node<R> descend(String prefix) {
            Node<R> node = this;
            for (String segment : prefix.split("/")) {
                if (segment.isEmpty()) {
                    continue;
                }
                if (node.children == null) {
                    node.children = new HashMap<>();
                }
                node = node.children.computeIfAbsent(segment, s -> new Node<>());
            }
            return node;
        }

        void seal() {
            routes = HostBucket.sorted(routes);
            if (children != null) {
                children.values().forEach(Node::seal);
                children = Map.copyOf(children);
            }
        }
    }
}
