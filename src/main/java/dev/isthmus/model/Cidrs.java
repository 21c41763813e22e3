package dev.isthmus.model;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A set of IPv4 and IPv6 networks in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}; a
 * bare address is a /32 or /128), for "is this peer one of ours?" (trusted proxies) and "may the
 * gateway connect there?" (denied upstream destinations) questions on the request path:
 * a match compares at most 16 bytes per network, with no allocation. IPv4-mapped IPv6 addresses
 * ({@code ::ffff:10.1.2.3}) match IPv4 networks, as a dual-stack socket reports IPv4 peers that way.
 */
public final class Cidrs {

    public static final Cidrs NONE = new Cidrs(List.of(), List.of());

    private final List<String> text;
    private final Network[] networks;

    private record Network(byte[] address, int prefix) {
        boolean contains(byte[] candidate) {
            if (candidate.length != address.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (candidate[i] != address[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (candidate[full] & mask) == (address[full] & mask);
        }
    }

    private Cidrs(List<String> text, List<Network> networks) {
        this.text = List.copyOf(text);
        this.networks = networks.toArray(Network[]::new);
    }

    /**
     * @throws IllegalArgumentException naming the entry that is not an address or CIDR; host names
     *     are refused (resolving them would make trust depend on DNS)
     */
    public static Cidrs parse(List<String> entries) {
        if (entries == null || entries.isEmpty()) {
            return NONE;
        }
        List<Network> out = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw == null ? "" : raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int slash = entry.indexOf('/');
            String addr = slash < 0 ? entry : entry.substring(0, slash);
            byte[] bytes = literal(addr);
            if (bytes == null) {
                throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)");
            }
            int max = bytes.length * 8;
            int prefix = max;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1));
                }
                catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > max) {
                    throw new IllegalArgumentException("'" + entry + "': the prefix length must be 0-" + max);
                }
            }
            out.add(new Network(bytes, prefix));
            text.add(entry);
        }
        return new Cidrs(text, out);
    }

    public boolean isEmpty() {
        return networks.length == 0;
    }

    public boolean contains(InetAddress address) {
        if (address == null || networks.length == 0) {
            return false;
        }
        byte[] bytes = unmapped(address.getAddress());
        for (Network n : networks) {
            if (n.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    public boolean contains(SocketAddress address) {
        return address instanceof InetSocketAddress inet && contains(inet.getAddress());
    }

    /** The bytes of an IPv4 or IPv6 literal, or null for anything else; never a DNS lookup. */
    static byte[] literal(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return null;
        }
        boolean v6 = text.indexOf(':') >= 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || c == '.' || (v6 && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
            if (!ok) {
                return null;
            }
        }
        if (!v6 && !dottedQuad(text)) {
            return null;
        }
        try {
            // Only a literal remains. Brackets make InetAddress refuse a malformed IPv6 text instead
            // of trying it as a host name; a dotted quad is checked above. No lookup either way.
            return unmapped(InetAddress.getByName(v6 ? "[" + text + "]" : text).getAddress());
        }
        catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether the text is an IPv4 or IPv6 literal (never a DNS lookup). */
    public static boolean isLiteral(String text) {
        return literal(text) != null;
    }

    /** An address literal as an InetAddress, or null (never a DNS lookup). */
    public static InetAddress address(String text) {
        byte[] bytes = literal(text);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        }
        catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean dottedQuad(String s) {
        int parts = 0;
        int digits = 0;
        int value = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '.') {
                if (digits == 0 || digits > 3 || value > 255) {
                    return false;
                }
                parts++;
                digits = 0;
                value = 0;
            }
            else {
                digits++;
                value = value * 10 + (s.charAt(i) - '0');
            }
        }
        return parts == 4;
    }

    private static byte[] unmapped(byte[] b) {
        if (b.length == 16) {
            for (int i = 0; i < 10; i++) {
                if (b[i] != 0) {
                    return b;
                }
            }
            if (b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                return Arrays.copyOfRange(b, 12, 16);
            }
        }
        return b;
    }

    @Override
    public String toString() {
        return String.join(",", text);
    }
}
