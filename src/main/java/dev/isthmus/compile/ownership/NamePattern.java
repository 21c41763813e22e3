package dev.isthmus.compile.ownership;

import java.util.List;
import java.util.Locale;

/**
 * A name or a glob over names for the ownership policy: {@code shop}, {@code team-*},
 * {@code *-payments}, {@code *}. {@code *} matches any run of characters; nothing else is special,
 * so a pattern is never a regular expression an operator could get subtly wrong.
 */
public record NamePattern(String text) {

    public NamePattern {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty name pattern");
        }
        text = text.trim();
    }

    public static List<NamePattern> all(List<String> texts) {
        return texts == null ? List.of() : texts.stream().filter(t -> t != null && !t.isBlank()).map(NamePattern::new).toList();
    }

    public static boolean any(List<NamePattern> patterns, String name) {
        for (NamePattern p : patterns) {
            if (p.matches(name)) {
                return true;
            }
        }
        return false;
    }

    public boolean matches(String name) {
        return name != null && glob(text.toLowerCase(Locale.ROOT), 0, name.toLowerCase(Locale.ROOT), 0);
    }

    private static boolean glob(String p, int pi, String s, int si) {
        // iterative wildcard matching with one backtrack point: linear in practice, no regex
        int star = -1;
        int mark = 0;
        while (si < s.length()) {
            if (pi < p.length() && p.charAt(pi) != '*' && p.charAt(pi) == s.charAt(si)) {
                pi++;
                si++;
            }
            else if (pi < p.length() && p.charAt(pi) == '*') {
                star = pi++;
                mark = si;
            }
            else if (star >= 0) {
                pi = star + 1;
                si = ++mark;
            }
            else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == p.length();
    }

    @Override
    public String toString() {
        return text;
    }
}
