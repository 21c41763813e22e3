package dev.isthmus.server;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The forwarding headers a request carries to its upstream: {@code X-Forwarded-For} (the trusted
 * chain from the client to the gateway's peer, see {@link TrustedProxies}), {@code X-Forwarded-Proto},
 * {@code -Host} and {@code -Port} (what a trusted proxy reported, else what the gateway saw), and
 * the same as one RFC 7239 {@code Forwarded} element per hop. Whatever the client sent under these
 * names is never passed on: a value is either computed here or, with the route's
 * {@code forwardedHeaders: false}, absent. Independent of the HTTP stack, so every data plane
 * sends the same headers.
 */
public final class ForwardedHeaders {

    /** Lower-case names this unit owns: removed from the client's request before anything is added. */
    public static final Set<String> NAMES = Set.of("forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
            "x-forwarded-port", "x-forwarded-prefix");

    private ForwardedHeaders() {
    }

    /**
     * @param remote the request's remote address (a {@link ClientAddress} when trusted proxies or
     *     the PROXY protocol are configured)
     * @param scheme the scheme the gateway saw (http or https)
     * @param hostHeader the Host header the gateway received, or null
     * @param set receives each header to set upstream
     */
    public static void compute(InetSocketAddress remote, String scheme, String hostHeader, BiConsumer<String, String> set) {
        List<String> chain;
        String proto = scheme == null ? "http" : scheme.toLowerCase(Locale.ROOT);
        String host = hostHeader;
        int port = -1;
        if (remote instanceof ClientAddress c) {
            chain = c.chain();
            if (c.forwardedProto() != null) {
                proto = c.forwardedProto();
            }
            if (c.forwardedHost() != null) {
                host = c.forwardedHost();
            }
            port = c.forwardedPort();
        }
        else {
            chain = remote == null || remote.getAddress() == null ? List.of() : List.of(remote.getAddress().getHostAddress());
        }
        if (port < 0) {
            port = portOf(host, proto);
        }
        if (!chain.isEmpty()) {
            set.accept("X-Forwarded-For", String.join(", ", chain));
        }
        set.accept("X-Forwarded-Proto", proto);
        if (host != null) {
            set.accept("X-Forwarded-Host", host);
        }
        set.accept("X-Forwarded-Port", String.valueOf(port));
        set.accept("Forwarded", forwarded(chain, proto, host));
    }

    private static String forwarded(List<String> chain, String proto, String host) {
        StringBuilder b = new StringBuilder();
        if (chain.isEmpty()) {
            b.append("for=unknown");
        }
        for (int i = 0; i < chain.size(); i++) {
            if (i > 0) {
                b.append(", ");
            }
            String node = chain.get(i);
            // RFC 7239 §6: an IPv6 node is bracketed, and then quoted
            b.append("for=").append(node.indexOf(':') >= 0 ? "\"[" + node + "]\"" : node);
            if (i == 0) {
                b.append(";proto=").append(proto);
                if (host != null) {
                    b.append(";host=\"").append(host).append('"');
                }
            }
        }
        return b.toString();
    }

    /** The port in a Host header, else the scheme's default. */
    static int portOf(String host, String proto) {
        if (host != null) {
            int colon = host.lastIndexOf(':');
            if (colon > host.lastIndexOf(']') && colon < host.length() - 1) {
                try {
                    return Integer.parseInt(host.substring(colon + 1));
                }
                catch (NumberFormatException e) {
                    // a Host the request validation lets through always has a numeric port
                }
            }
        }
        return "https".equals(proto) ? 443 : 80;
    }
}
