package dev.isthmus.server;

/**
 * The syntax of a Host header (or {@code :authority}) the gateway accepts: a DNS name or IPv4
 * address (letters, digits, '-', '.', '_'), or a bracketed IPv6 address, and an optional port
 * 1-65535 (RFC 9110 §7.2, narrowed to what names a host on this side of a load balancer). Anything
 * else, such as {@code a.example.com:@evil.com} or {@code a.example.com:x}, is refused with 400
 * before routing: it could make an upstream build links to another host. One linear pass, no regex.
 */
public final class HostHeader {

    private static final int MAX_LENGTH = 261; // 253-character name, ':' and 5 digits, brackets

    private HostHeader() {
    }

    public static boolean isValid(String host) {
        if (host == null || host.isEmpty() || host.length() > MAX_LENGTH) {
            return false;
        }
        int i = 0;
        int n = host.length();
        if (host.charAt(0) == '[') {
            int end = host.indexOf(']');
            if (end < 3) {
                return false;
            }
            for (i = 1; i < end; i++) {
                char c = host.charAt(i);
                if (!(c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                    return false;
                }
            }
            i = end + 1;
        }
        else {
            for (; i < n && host.charAt(i) != ':'; i++) {
                char c = host.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) {
                    return false;
                }
            }
            if (i == 0) {
                return false;
            }
        }
        if (i == n) {
            return true;
        }
        if (host.charAt(i) != ':' || n - i - 1 < 1 || n - i - 1 > 5) {
            return false;
        }
        int port = 0;
        for (int j = i + 1; j < n; j++) {
            char c = host.charAt(j);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port >= 1 && port <= 65535;
    }
}
