package dev.isthmus.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import reactor.netty.http.server.ConnectionInfo;

import dev.isthmus.model.Cidrs;

/**
 * Decides the client's address from the connection's peer (the TCP peer, or the address a trusted
 * load balancer sent in the PROXY protocol header) and the forwarding headers, trusting
 * {@code X-Forwarded-For} / {@code Forwarded} only from {@code isthmus.server.trusted-proxies}:
 * walking the chain from the right, every hop that a trusted address reports is believed, and the
 * first untrusted one is the client (Envoy's and Traefik's rule; the entries to its left are the
 * client's own claims). Without trusted proxies, the peer is the client whatever the headers say.
 *
 * <p>Installed as Reactor Netty's forwarded-header handler ({@code HttpServer.forwarded}), so the
 * one address it returns is the request's remote address in every layer above. Pure and
 * allocation-light: a request from an untrusted peer costs a CIDR check.
 */
public final class TrustedProxies implements BiFunction<ConnectionInfo, HttpRequest, ConnectionInfo> {

    /** More hops than any real chain; the left part of a longer header is the client's invention. */
    static final int MAX_HOPS = 32;

    private final Cidrs trusted;

    public TrustedProxies(Cidrs trusted) {
        this.trusted = trusted;
    }

    @Override
    public ConnectionInfo apply(ConnectionInfo info, HttpRequest request) {
        ClientAddress client = resolve(info.getRemoteAddress(), request.headers());
        if (client == null) {
            return info;
        }
        ConnectionInfo out = info.withRemoteAddress(client);
        return client.forwardedProto() != null ? out.withScheme(client.forwardedProto()) : out;
    }

    /** The client for a request from {@code peer}; null when the peer is not an IP address. */
    ClientAddress resolve(InetSocketAddress peer, HttpHeaders headers) {
        if (peer == null) {
            return null;
        }
        // a PROXY protocol source arrives unresolved (host string only): make it an address
        InetAddress peerAddress = peer.getAddress() != null ? peer.getAddress() : Cidrs.address(peer.getHostString());
        if (peerAddress == null) {
            return null;
        }
        String peerText = peerAddress.getHostAddress();
        if (trusted.isEmpty() || !trusted.contains(peerAddress)) {
            return new ClientAddress(peerAddress, peer.getPort(), List.of(peerText), null, null, -1, false);
        }
        List<String> forwarded = headers.getAll("Forwarded");
        boolean rfc7239 = !forwarded.isEmpty();
        List<Hop> hops = rfc7239 ? forwardedHops(forwarded) : xForwardedForHops(headers.getAll("X-Forwarded-For"));

        // right to left: believe what trusted hops report until the first untrusted address
        InetAddress client = peerAddress;
        int clientPort = peer.getPort();
        List<String> chain = new ArrayList<>();
        chain.add(peerText);
        Hop clientHop = null;
        for (int i = hops.size() - 1; i >= 0 && trusted.contains(client); i--) {
            Hop hop = hops.get(i);
            if (hop.address == null) {
                break; // "unknown", an obfuscated name, garbage: the last trusted hop is as far as we know
            }
            client = hop.address;
            clientPort = 0;
            chain.add(0, client.getHostAddress());
            clientHop = hop;
        }
        String proto;
        String host;
        int port;
        if (rfc7239) {
            // the element naming the client was written by the proxy the client connected to: its
            // proto and host are what the client used
            proto = clientHop == null ? null : clientHop.proto;
            host = clientHop == null ? null : clientHop.host;
            port = -1;
        }
        else {
            // the value the nearest trusted proxy set (or appended): a left part may be the client's own
            proto = last(headers.getAll("X-Forwarded-Proto"));
            host = last(headers.getAll("X-Forwarded-Host"));
            port = port(last(headers.getAll("X-Forwarded-Port")));
        }
        proto = proto == null ? null : proto.toLowerCase(Locale.ROOT);
        if (proto != null && !proto.equals("http") && !proto.equals("https")) {
            proto = null;
        }
        if (host != null && !HostHeader.isValid(host)) {
            host = null;
        }
        return new ClientAddress(client, clientPort, chain, proto, host, port, true);
    }

    private record Hop(InetAddress address, String proto, String host) {
    }

    private static List<Hop> xForwardedForHops(List<String> values) {
        List<Hop> hops = new ArrayList<>();
        for (String value : values) {
            for (String part : value.split(",", -1)) {
                hops.add(new Hop(nodeAddress(part.trim()), null, null));
            }
        }
        return tail(hops);
    }

    /** RFC 7239 elements: {@code for=192.0.2.1;proto=https;host=a.example, for="[2001:db8::1]:4711"}. */
    private static List<Hop> forwardedHops(List<String> values) {
        List<Hop> hops = new ArrayList<>();
        for (String value : values) {
            for (String element : value.split(",", -1)) {
                InetAddress address = null;
                String proto = null;
                String host = null;
                for (String pair : element.split(";", -1)) {
                    int eq = pair.indexOf('=');
                    if (eq < 0) {
                        continue;
                    }
                    String name = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                    String v = unquote(pair.substring(eq + 1).trim());
                    switch (name) {
                        case "for" -> address = nodeAddress(v);
                        case "proto" -> proto = v;
                        case "host" -> host = v;
                        default -> {
                        }
                    }
                }
                hops.add(new Hop(address, proto, host));
            }
        }
        return tail(hops);
    }

    private static List<Hop> tail(List<Hop> hops) {
        return hops.size() <= MAX_HOPS ? hops : hops.subList(hops.size() - MAX_HOPS, hops.size());
    }

    /** An X-Forwarded-For entry or RFC 7239 node: {@code 192.0.2.1}, {@code 192.0.2.1:80}, {@code [2001:db8::1]:80}, {@code 2001:db8::1}. */
    static InetAddress nodeAddress(String node) {
        if (node == null || node.isEmpty()) {
            return null;
        }
        String n = node;
        if (n.charAt(0) == '[') {
            int end = n.indexOf(']');
            if (end < 0) {
                return null;
            }
            n = n.substring(1, end);
        }
        else if (n.indexOf(':') == n.lastIndexOf(':') && n.indexOf(':') > 0) {
            n = n.substring(0, n.indexOf(':')); // IPv4 with a port
        }
        return Cidrs.address(n);
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"' ? v.substring(1, v.length() - 1) : v;
    }

    /** The value the nearest proxy added (the right-most of a comma-separated list). */
    private static String last(List<String> values) {
        if (values.isEmpty()) {
            return null;
        }
        String v = values.get(values.size() - 1);
        int comma = v.lastIndexOf(',');
        String last = (comma < 0 ? v : v.substring(comma + 1)).trim();
        return last.isEmpty() ? null : last;
    }

    private static int port(String text) {
        if (text == null || text.isEmpty() || text.length() > 5) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return -1;
            }
        }
        int p = Integer.parseInt(text);
        return p >= 1 && p <= 65535 ? p : -1;
    }
}
