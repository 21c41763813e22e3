package dev.isthmus.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The client's address as the gateway decided it (trusted proxies, PROXY protocol), plus what
 * the decision saw: the forwarding chain from that client to the gateway and the scheme, host and
 * port that trusted proxies reported. It is the request's remote address itself, so every layer
 * that reads the remote address (rate limits, consistent hashing, access log, the headers sent
 * upstream) sees this one value. It extends {@link InetSocketAddress} because Reactor Netty's
 * {@code ConnectionInfo} has no other slot to carry it from the transport to the handlers.
 */
public final class ClientAddress extends InetSocketAddress {

    private static final long serialVersionUID = 1L;

    private final transient List<String> chain;
    private final String proto;
    private final String host;
    private final int forwardedPort;
    private final boolean peerTrusted;

    /**
     * @param chain the client first, then every trusted hop, ending with the gateway's own peer
     * @param proto, host, forwardedPort what the trusted proxy in front reported, or null / -1
     * @param peerTrusted the gateway's own peer is one of {@code isthmus.server.trusted-proxies}
     */
    ClientAddress(InetAddress client, int port, List<String> chain, String proto, String host, int forwardedPort,
            boolean peerTrusted) {
        super(client, port);
        this.peerTrusted = peerTrusted;
        this.chain = List.copyOf(chain);
        this.proto = proto;
        this.host = host;
        this.forwardedPort = forwardedPort;
    }

    /** The addresses the request passed, from the client to the gateway's peer (X-Forwarded-For order). */
    public List<String> chain() {
        return chain;
    }

    /** The scheme a trusted proxy said the client used, or null. */
    public String forwardedProto() {
        return proto;
    }

    /** The Host a trusted proxy said the client asked for, or null. */
    public String forwardedHost() {
        return host;
    }

    /** The port a trusted proxy said the client connected to, or -1. */
    public int forwardedPort() {
        return forwardedPort;
    }

    /**
     * Whether the request came from a trusted proxy (the peer, after any PROXY protocol header, is
     * in {@code isthmus.server.trusted-proxies}): what that peer says about the request (its
     * forwarding headers, its trace context) is believed.
     */
    public boolean peerTrusted() {
        return peerTrusted;
    }

    /** Whether {@code remote}, a request's remote address, came through a trusted proxy. */
    public static boolean fromTrustedPeer(InetSocketAddress remote) {
        return remote instanceof ClientAddress c && c.peerTrusted;
    }
}
