package dev.isthmus.compile;

import java.util.Locale;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A host a route serves: an exact name, or {@code *.suffix}, which matches any name ending in
 * {@code .suffix} (one or more labels), not the suffix itself.
 */
public record HostPattern(String host, boolean wildcard) {

    private static final Pattern LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

    /** @throws IllegalArgumentException when the name is not a valid host or wildcard */
    public static HostPattern parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        String host = text.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        boolean wildcard = host.startsWith("*.");
        String name = wildcard ? host.substring(2) : host;
        if (name.length() > 253 || name.isEmpty()) {
            throw new IllegalArgumentException("invalid host '" + Text.abbreviate(text) + "': must be 1-253 characters");
        }
        if (name.indexOf(':') >= 0) {
            throw new IllegalArgumentException("invalid host '" + Text.abbreviate(text) + "': hosts match without a port");
        }
        if (!name.chars().allMatch(c -> c < 0x80)) {
            String ascii;
            try {
                ascii = java.net.IDN.toASCII(text.startsWith("*.") ? text.substring(2) : text);
            }
            catch (IllegalArgumentException e) {
                ascii = null;
            }
            throw new IllegalArgumentException("invalid host '" + Text.abbreviate(text) + "': internationalized names must be written in"
                    + " their ASCII (punycode) form" + (ascii == null ? "" : ", here '" + (wildcard ? "*." : "") + ascii.toLowerCase(Locale.ROOT) + "'"));
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("invalid host '" + Text.abbreviate(text) + "': '" + Text.abbreviate(label)
                        + "' is not a DNS label (letters, digits, '-'; a wildcard only as a leading '*.')");
            }
        }
        if (wildcard && name.indexOf('.') < 0) {
            throw new IllegalArgumentException("invalid host '" + Text.abbreviate(text) + "': a wildcard needs at least two labels after '*.'");
        }
        return new HostPattern(name, wildcard);
    }

    /**
     * Whether every host {@code other} matches is matched by this one too: an exact name covers only
     * itself; {@code *.example.com} covers {@code a.example.com}, {@code *.a.example.com} and itself.
     */
    public boolean covers(HostPattern other) {
        if (!wildcard) {
            return !other.wildcard && host.equals(other.host);
        }
        return other.wildcard ? other.host.equals(host) || other.host.endsWith("." + host) : other.host.endsWith("." + host);
    }

    /** Whether some host matches both patterns. */
    public boolean overlaps(HostPattern other) {
        return covers(other) || other.covers(this);
    }

    /** The lookup key: the host itself, or for a wildcard the suffix with its leading dot. */
    public String key() {
        return wildcard ? "." + host : host;
    }

    @JsonValue
    @Override
    public String toString() {
        return wildcard ? "*." + host : host;
    }
}
