package dev.isthmus.compile.ownership;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import dev.isthmus.model.Cidrs;

/**
 * Where the gateway refuses to connect on a route author's behalf (the confused-deputy rule of
 * docs/security.md): checked on {@code url:} literals when routes compile, on every address a
 * registry reports (Consul instances, EndpointSlice endpoints) before it becomes an instance, and on
 * every address a DNS name resolves to, just before the upstream connection is made. Pure.
 * <ul>
 * <li>Always: the unspecified address ({@code 0.0.0.0}, {@code ::}: Linux connects it to itself),
 * and the gateway's own ports on loopback or on one of its own addresses (the admin port above all:
 * it must never be reachable through the gateway port).</li>
 * <li>For everyone but the routes file ({@link Trust#TENANT}): loopback, unless
 * {@code isthmus.ownership.destinations.allow-loopback}, and every address of the gateway itself.</li>
 * <li>For everyone, the routes file included: {@code isthmus.ownership.destinations.denied-cidrs}
 * (link-local, IPv4 and IPv6, and the cloud metadata addresses by default).</li>
 * </ul>
 */
public final class DestinationGuard {

    /** The default denied-cidrs: link-local (where every cloud's metadata service lives) and the metadata addresses outside it. */
    public static final List<String> DEFAULT_DENIED = List.of("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32",
            "0.0.0.0/8");

    /** An unrestricted guard (tests of other parts; never the gateway's default). */
    public static final DestinationGuard NONE = new DestinationGuard(Cidrs.NONE, true, Cidrs.NONE, Set.of());

    /** How far the one who named a destination is trusted. */
    public enum Trust {
        /** The routes file: the operator may route to loopback (a sidecar, a local upstream). */
        OPERATOR,
        /** Everyone else: namespaces, Consul registrations, EndpointSlice writers, DNS answers for their names. */
        TENANT
    }

    private final Cidrs denied;
    private final boolean allowLoopback;
    private final Cidrs gatewayAddresses;
    private final Set<Integer> gatewayPorts;

    /**
     * @param gatewayAddresses the gateway's own interface addresses (its pod IP)
     * @param gatewayPorts the ports the gateway itself listens on (traffic, admin, redirect)
     */
    public DestinationGuard(Cidrs denied, boolean allowLoopback, Cidrs gatewayAddresses, Set<Integer> gatewayPorts) {
        this.denied = denied;
        this.allowLoopback = allowLoopback;
        this.gatewayAddresses = gatewayAddresses;
        this.gatewayPorts = Set.copyOf(gatewayPorts);
    }

    /** Why the gateway must not connect to {@code address:port} for someone of this trust; null when it may. */
    public String refusal(InetAddress address, int port, Trust trust) {
        if (address == null) {
            return null;
        }
        if (address.isAnyLocalAddress()) {
            return "the unspecified address " + address.getHostAddress() + " (it connects to the gateway itself)";
        }
        boolean loopback = address.isLoopbackAddress();
        boolean own = gatewayAddresses.contains(address);
        if ((loopback || own) && gatewayPorts.contains(port)) {
            return "the gateway's own port " + port + " (its traffic, admin or redirect listener)";
        }
        if (trust == Trust.TENANT && loopback && !allowLoopback) {
            return "a loopback address (only the routes file may route to loopback; isthmus.ownership.destinations.allow-loopback)";
        }
        if (trust == Trust.TENANT && own) {
            return "an address of the gateway itself";
        }
        if (denied.contains(address)) {
            return "a denied destination (link-local or cloud metadata; isthmus.ownership.destinations.denied-cidrs)";
        }
        return null;
    }

    /** The same for an address written as text: checked when it is a literal, else null (a DNS name is checked once resolved). */
    public String refusal(String host, int port, Trust trust) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress literal = Cidrs.address(bare);
        if (literal != null) {
            return refusal(literal, port, trust);
        }
        String name = bare.toLowerCase(java.util.Locale.ROOT);
        if (name.equals("localhost") || name.endsWith(".localhost")) {
            // RFC 6761: always loopback, whatever DNS says
            return refusal(InetAddress.getLoopbackAddress(), port, trust);
        }
        return null;
    }

    public boolean allowLoopback() {
        return allowLoopback;
    }

    @Override
    public String toString() {
        return "DestinationGuard[denied=" + denied + ", allowLoopback=" + allowLoopback + ", gateway=" + gatewayAddresses + " ports "
                + gatewayPorts + "]";
    }
}
