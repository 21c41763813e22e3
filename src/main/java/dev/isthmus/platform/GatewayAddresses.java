package dev.isthmus.platform;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The addresses of this gateway's own network interfaces (in a pod: its pod IP and loopback), read
 * once at start-up: routes of tenants may not send to them (docs/security.md, "Destinations").
 */
public final class GatewayAddresses {

    private GatewayAddresses() {
    }

    /** Every non-loopback address of every interface that is up, as CIDR-free literals; empty when they cannot be listed. */
    public static List<String> local() {
        List<String> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a.isLoopbackAddress()) {
                        continue; // loopback has its own rule (isthmus.ownership.destinations.allow-loopback)
                    }
                    String text = a.getHostAddress();
                    int zone = text.indexOf('%');
                    out.add(zone < 0 ? text : text.substring(0, zone));
                }
            }
        }
        catch (SocketException e) {
            // no interface list (a locked-down sandbox): loopback and the configured ports still apply
        }
        return out;
    }
}
