package dev.isthmus.runtime.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.web.cors.CorsConfiguration;

/**
 * A route's CORS configuration with its wildcard origins ({@code https://*.example.com[:port]})
 * matched by a suffix comparison, in time linear in the Origin header. Spring's
 * {@code addAllowedOriginPattern} compiles patterns to {@code java.util.regex}, which backtracks on
 * a long hostile Origin. Exact origins and {@code *} stay Spring's. The validator allows a wildcard
 * only as a leading {@code *.} label, and never with credentials.
 */
final class CorsOrigins extends CorsConfiguration {

    private record Suffix(String schemePrefix, String suffix) {
        boolean matches(String origin) {
            if (origin.length() <= schemePrefix.length() + suffix.length() || !origin.regionMatches(true, 0, schemePrefix, 0, schemePrefix.length())
                    || !origin.regionMatches(true, origin.length() - suffix.length(), suffix, 0, suffix.length())) {
                return false;
            }
            // what the '*' stands for: one or more host labels, nothing else
            for (int i = schemePrefix.length(); i < origin.length() - suffix.length(); i++) {
                char c = origin.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
                    return false;
                }
            }
            return origin.charAt(schemePrefix.length()) != '.';
        }
    }

    private final List<Suffix> wildcards = new ArrayList<>();

    /** {@code https://*.example.com} or {@code https://*.example.com:8443}. */
    void addWildcardOrigin(String pattern) {
        int star = pattern.indexOf("://*.");
        if (star < 0) {
            throw new IllegalArgumentException("not a leading-label wildcard origin: " + pattern);
        }
        wildcards.add(new Suffix(pattern.substring(0, star + 3).toLowerCase(Locale.ROOT), pattern.substring(star + 4).toLowerCase(Locale.ROOT)));
    }

    @Override
    public String checkOrigin(String origin) {
        String allowed = super.checkOrigin(origin);
        if (allowed != null || origin == null || origin.isEmpty()) {
            return allowed;
        }
        for (Suffix s : wildcards) {
            if (s.matches(origin)) {
                return origin;
            }
        }
        return null;
    }
}
