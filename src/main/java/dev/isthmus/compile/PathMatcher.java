package dev.isthmus.compile;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** The path predicate of a compiled route. Paths compared are normalized ({@link PathNormalizer}). */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({ @JsonSubTypes.Type(value = PathMatcher.Exact.class, name = "exact"),
        @JsonSubTypes.Type(value = PathMatcher.Prefix.class, name = "prefix"),
        @JsonSubTypes.Type(value = PathMatcher.RegexPath.class, name = "regex") })
public sealed interface PathMatcher {

    boolean matches(String path);

    /** Ranks match kinds for "more specific wins": exact, then prefix, then regex. */
    int kindRank();

    /** Longer is more specific among matches of the same kind. */
    int length();

    /** The literal path prefix every matching path starts with: where the route sits in the index. */
    String indexPrefix();

    record Exact(String path) implements PathMatcher {
        @Override
        public boolean matches(String p) {
            return path.equals(p);
        }

        @Override
        public int kindRank() {
            return 3;
        }

        @Override
        public int length() {
            return path.length();
        }

        @Override
        public String indexPrefix() {
            return path;
        }
    }

    /**
     * Matches by whole segments: {@code /quote} (written {@code /quote} or {@code /quote/}) matches
     * {@code /quote}, {@code /quote/} and {@code /quote/a}, never {@code /quotes}.
     *
     * @param prefix normalized without a trailing slash; the root is {@code /}
     */
    record Prefix(String prefix) implements PathMatcher {
        @Override
        public boolean matches(String p) {
            if (prefix.length() == 1) {
                return true;
            }
            return p.startsWith(prefix) && (p.length() == prefix.length() || p.charAt(prefix.length()) == '/');
        }

        @Override
        public int kindRank() {
            return 2;
        }

        @Override
        public int length() {
            return prefix.length();
        }

        @Override
        public String indexPrefix() {
            return prefix;
        }
    }

    /** The whole path must match. */
    record RegexPath(Regex regex) implements PathMatcher {
        @Override
        public boolean matches(String p) {
            return regex.matchesWhole(p);
        }

        @Override
        public int kindRank() {
            return 1;
        }

        @Override
        public int length() {
            return regex.source().length();
        }

        @Override
        public String indexPrefix() {
            // Only whole segments of the literal prefix can be used to place it in the segment index.
            String literal = regex.literalPrefix();
            int slash = literal.lastIndexOf('/');
            return slash <= 0 ? "/" : literal.substring(0, slash);
        }
    }
}
