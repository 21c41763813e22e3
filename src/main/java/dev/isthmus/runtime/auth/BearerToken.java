package dev.isthmus.runtime.auth;

import java.util.List;

/**
 * The bearer token of a request (RFC 6750 §2.1: {@code Authorization: Bearer <b64token>}; the
 * scheme is case-insensitive). Tokens in a form body or the query string (§2.2, §2.3) are not
 * accepted: they end up in logs and browser histories. Spring Security's
 * {@code ServerBearerTokenAuthenticationConverter} applies the same rules but reads a WebFlux
 * exchange, which a native data plane does not have; this reads header values.
 */
public final class BearerToken {

    /** What the Authorization header held. */
    public sealed interface Result permits Missing, Malformed, Found {
    }

    /** No bearer credentials (no header, or another scheme). */
    public record Missing() implements Result {
    }

    /** Bearer credentials that are not a b64token, or several Authorization headers. */
    public record Malformed(String why) implements Result {
    }

    public record Found(String token) implements Result {
        @Override
        public String toString() {
            return "Found[token=***]"; // never print a credential
        }
    }

    private static final Missing MISSING = new Missing();
    private static final String SCHEME = "Bearer";

    private BearerToken() {
    }

    public static Result of(List<String> authorization) {
        if (authorization.isEmpty()) {
            return MISSING;
        }
        if (authorization.size() > 1) {
            return new Malformed("more than one Authorization header");
        }
        String value = authorization.get(0);
        if (value.length() < SCHEME.length() || !value.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return MISSING;
        }
        if (value.length() == SCHEME.length()) {
            return new Malformed("the Bearer credentials are empty");
        }
        if (value.charAt(SCHEME.length()) != ' ') {
            return MISSING; // "Bearerx ...": another scheme
        }
        int start = SCHEME.length();
        while (start < value.length() && value.charAt(start) == ' ') {
            start++;
        }
        int end = value.length();
        while (end > start && value.charAt(end - 1) == ' ') {
            end--;
        }
        if (start == end) {
            return new Malformed("the Bearer credentials are empty");
        }
        return b64token(value, start, end) ? new Found(value.substring(start, end)) : new Malformed("the bearer token is not a b64token");
    }

    /** {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. */
    private static boolean b64token(String s, int start, int end) {
        int i = start;
        while (i < end) {
            char c = s.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~'
                    || c == '+' || c == '/') {
                i++;
            }
            else {
                break;
            }
        }
        if (i == start) {
            return false;
        }
        while (i < end && s.charAt(i) == '=') {
            i++;
        }
        return i == end;
    }
}
