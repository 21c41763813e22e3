package dev.isthmus.compile;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Header-name rules, in one place for the compiler and the runtime (the mirror copies headers by them). */
public final class HeaderNames {

    /** An RFC 9110 token, at most 256 characters: header, parameter and cookie names. */
    public static final Pattern TOKEN = Pattern.compile("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$");

    /** Hop-by-hop and framing headers: the proxy owns them, routes may not edit them and mirrors do not copy them. */
    public static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
            "trailer", "upgrade", "content-length", "host");

    private HeaderNames() {
    }

    public static boolean isToken(String name) {
        return name != null && TOKEN.matcher(name).matches();
    }

    public static boolean isHopByHop(String name) {
        return HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT));
    }
}
