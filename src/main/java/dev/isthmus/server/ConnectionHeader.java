package dev.isthmus.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The headers a client's {@code Connection} header nominates as hop-by-hop (RFC 9110 §7.6.1).
 * They are dropped as the request enters the gateway, before a route's header edits run, and the
 * {@code Connection} header keeps only the standard tokens. Spring Cloud Gateway drops them later,
 * in its routing filter, after the route's edits: a client sending {@code Connection: X-Gateway}
 * could then delete the {@code X-Gateway} the route set (Traefik CVE-2021-32813, CVE-2024-45410).
 */
public final class ConnectionHeader {

    /** Tokens whose meaning is the connection's own, or whose header the proxy manages anyway. */
    private static final Set<String> STANDARD = Set.of("close", "keep-alive", "upgrade", "te", "trailer", "transfer-encoding",
            "proxy-connection", "http2-settings");

    private ConnectionHeader() {
    }

    /** The header names a Connection header value nominates, other than the standard tokens; empty in the common case. */
    public static List<String> nominated(List<String> connectionValues) {
        if (connectionValues == null || connectionValues.isEmpty()) {
            return List.of();
        }
        List<String> out = null;
        for (String value : connectionValues) {
            for (String token : value.split(",", -1)) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty() && !STANDARD.contains(t)) {
                    if (out == null) {
                        out = new ArrayList<>(2);
                    }
                    out.add(t);
                }
            }
        }
        return out == null ? List.of() : out;
    }

    /** The Connection value without nominated headers: what stays for the proxy's own framing. */
    public static String standardTokens(List<String> connectionValues) {
        List<String> kept = new ArrayList<>(2);
        for (String value : connectionValues) {
            for (String token : value.split(",", -1)) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (STANDARD.contains(t) && !kept.contains(t)) {
                    kept.add(t);
                }
            }
        }
        return String.join(", ", kept);
    }
}
