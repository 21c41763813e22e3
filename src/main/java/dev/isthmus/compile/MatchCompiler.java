package dev.isthmus.compile;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.HttpMethod;
import dev.isthmus.spec.PathMatch;
import dev.isthmus.spec.RouteMatch;
import dev.isthmus.spec.ValueMatch;

import static dev.isthmus.model.ConditionReason.INVALID_HOST;
import static dev.isthmus.model.ConditionReason.INVALID_MATCH;
import static dev.isthmus.model.ConditionReason.INVALID_PATH;
import static dev.isthmus.model.ConditionReason.INVALID_SPEC;

/** Compiles a route's hosts and match: the part the lookup index and the predicates use. */
public final class MatchCompiler {

    private MatchCompiler() {
    }

    /** The match; its path is null when invalid (reported). */
    static RequestMatch compile(GatewayRouteSpec s, Problems p) {
        List<HostPattern> hosts = hosts(p, s.hosts());
        RouteMatch m = s.match();
        if (m == null) {
            p.fail(INVALID_SPEC, "match is required");
            return new RequestMatch(hosts, null, Set.of(), List.of(), List.of());
        }
        return new RequestMatch(hosts, path(p, m.path()), m.methods() == null ? Set.of() : enumSet(m.methods(), HttpMethod.class),
                values(p, "match.headers", m.headers(), true), values(p, "match.queryParams", m.queryParams(), false));
    }

    private static List<HostPattern> hosts(Problems p, List<String> hosts) {
        if (hosts == null || hosts.isEmpty()) {
            return List.of();
        }
        if (hosts.size() > GatewayRouteSpec.MAX_HOSTS) {
            p.fail(INVALID_HOST, "at most " + GatewayRouteSpec.MAX_HOSTS + " hosts per route");
            return List.of();
        }
        Map<String, HostPattern> unique = new LinkedHashMap<>();
        for (String h : hosts) {
            try {
                HostPattern pattern = HostPattern.parse(h);
                unique.putIfAbsent(pattern.key(), pattern);
            }
            catch (IllegalArgumentException e) {
                p.fail(INVALID_HOST, e.getMessage());
            }
        }
        return List.copyOf(unique.values());
    }

    private static PathMatcher path(Problems p, PathMatch path) {
        if (path == null) {
            p.fail(INVALID_PATH, "match.path is required");
            return null;
        }
        int given = (path.prefix() != null ? 1 : 0) + (path.exact() != null ? 1 : 0) + (path.regex() != null ? 1 : 0);
        if (given != 1) {
            p.fail(INVALID_PATH, "match.path needs exactly one of prefix, exact or regex");
            return null;
        }
        if (path.regex() != null) {
            if (path.regex().isEmpty() || path.regex().length() > PathMatch.MAX_LENGTH) {
                p.fail(INVALID_PATH, "match.path.regex must be 1-" + PathMatch.MAX_LENGTH + " characters");
                return null;
            }
            try {
                return new PathMatcher.RegexPath(Regex.compile(path.regex()));
            }
            catch (IllegalArgumentException e) {
                p.fail(INVALID_PATH, "match.path.regex: " + e.getMessage());
                return null;
            }
        }
        String raw = path.prefix() != null ? path.prefix() : path.exact();
        String normalized = authoredPath(p, path.prefix() != null ? "match.path.prefix" : "match.path.exact", raw);
        if (normalized == null) {
            return null;
        }
        if (path.exact() != null) {
            return new PathMatcher.Exact(normalized);
        }
        return new PathMatcher.Prefix(normalized.length() > 1 && normalized.endsWith("/")
                ? normalized.substring(0, normalized.length() - 1) : normalized);
    }

    /**
     * An authored path (match, rewrite or redirect), normalized as requests are ({@link PathNormalizer});
     * null, reported as InvalidPath, when it is not a path a request could have.
     */
    public static String authoredPath(Problems p, String field, String raw) {
        if (raw.isEmpty() || raw.charAt(0) != '/' || raw.length() > PathMatch.MAX_LENGTH) {
            p.fail(INVALID_PATH, field + " must start with '/' and be at most " + PathMatch.MAX_LENGTH + " characters");
            return null;
        }
        if (raw.indexOf('?') >= 0 || raw.indexOf('#') >= 0) {
            p.fail(INVALID_PATH, field + " must not contain '?' or '#': match query parameters with match.queryParams");
            return null;
        }
        for (int i = 0; i < raw.length(); i++) {
            char ch = raw.charAt(i);
            if (ch <= 0x20 || ch >= 0x7f) {
                p.fail(INVALID_PATH, field + " must be percent-encoded ASCII without spaces (found '" + Text.printable(ch) + "'"
                        + (ch > 0x7f ? "; write '" + Text.percentEncode(raw) + "'" : "") + ")");
                return null;
            }
        }
        try {
            return PathNormalizer.normalize(raw);
        }
        catch (PathNormalizer.RejectedPathException e) {
            p.fail(INVALID_PATH, field + " '" + Text.abbreviate(raw) + "': " + e.getMessage());
            return null;
        }
    }

    private static List<ValuePredicate> values(Problems p, String field, List<ValueMatch> matches, boolean header) {
        if (matches == null || matches.isEmpty()) {
            return List.of();
        }
        List<ValuePredicate> out = new ArrayList<>();
        for (int i = 0; i < matches.size(); i++) {
            ValueMatch m = matches.get(i);
            String where = field + "[" + i + "]";
            if (m == null || !HeaderNames.isToken(m.name())) {
                p.fail(INVALID_MATCH, where + ".name must be a valid " + (header ? "header" : "parameter") + " name");
                continue;
            }
            String name = header ? m.name().toLowerCase(Locale.ROOT) : m.name();
            int given = (m.value() != null ? 1 : 0) + (m.regex() != null ? 1 : 0) + (Boolean.TRUE.equals(m.present()) ? 1 : 0);
            if (given != 1) {
                p.fail(INVALID_MATCH, where + " (" + m.name() + ") needs exactly one of value, regex or present: true");
                continue;
            }
            if (m.value() != null) {
                if (m.value().length() > ValueMatch.MAX_VALUE || Text.hasControl(m.value())) {
                    p.fail(INVALID_MATCH, where + ".value must be at most " + ValueMatch.MAX_VALUE + " characters without control characters");
                    continue;
                }
                out.add(new ValuePredicate(name, ValuePredicate.Kind.EXACT, m.value(), null));
            }
            else if (m.regex() != null) {
                if (m.regex().length() > ValueMatch.MAX_REGEX) {
                    p.fail(INVALID_MATCH, where + ".regex must be at most " + ValueMatch.MAX_REGEX + " characters");
                    continue;
                }
                try {
                    out.add(new ValuePredicate(name, ValuePredicate.Kind.REGEX, null, Regex.compile(m.regex())));
                }
                catch (IllegalArgumentException e) {
                    p.fail(INVALID_MATCH, where + ".regex: " + e.getMessage());
                }
            }
            else {
                out.add(new ValuePredicate(name, ValuePredicate.Kind.PRESENT, null, null));
            }
        }
        return List.copyOf(out);
    }

    /** Iterates in declaration order, so compiled output is deterministic. */
    static <E extends Enum<E>> Set<E> enumSet(List<E> values, Class<E> type) {
        EnumSet<E> out = EnumSet.noneOf(type);
        for (E v : values) {
            if (v != null) {
                out.add(v);
            }
        }
        return java.util.Collections.unmodifiableSet(out);
    }
}
