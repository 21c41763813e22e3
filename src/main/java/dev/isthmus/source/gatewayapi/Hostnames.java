package dev.isthmus.source.gatewayapi;

import java.util.Locale;

/**
 * Gateway API hostname rules: a listener's hostname and a route's hostnames intersect, and the
 * route serves the intersection on that listener. {@code *.example.com} matches any name with one
 * or more labels before {@code .example.com}, never {@code example.com} itself.
 */
final class Hostnames {

    private Hostnames() {
    }

    /**
     * The hostname a route's hostname serves on a listener, or null when they do not intersect.
     *
     * @param listener the listener's hostname, null for any
     * @param route one of the route's hostnames
     */
    static String intersect(String listener, String route) {
        String l = listener == null ? null : listener.toLowerCase(Locale.ROOT);
        String r = route.toLowerCase(Locale.ROOT);
        if (l == null || l.equals(r)) {
            return r;
        }
        if (covers(l, r)) {
            return r;
        }
        if (covers(r, l)) {
            return l;
        }
        return null;
    }

    /** Whether the pattern matches every name the other matches: a wildcard over a more specific name or wildcard. */
    private static boolean covers(String pattern, String other) {
        if (!pattern.startsWith("*.")) {
            return false;
        }
        String suffix = pattern.substring(1); // ".example.com"
        String name = other.startsWith("*.") ? other.substring(2) : other;
        return name.endsWith(suffix) && name.length() > suffix.length();
    }
}
