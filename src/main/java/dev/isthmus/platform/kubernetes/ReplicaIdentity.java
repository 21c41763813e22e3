package dev.isthmus.platform.kubernetes;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/**
 * This replica's name in the Lease and on the Events it writes: the pod name (host name) plus a
 * random suffix, since several replicas may share a host name (tests, a restarted StatefulSet pod).
 */
public record ReplicaIdentity(String value) {

    public static ReplicaIdentity generate() {
        String host = System.getenv("HOSTNAME"); // the pod name, in a pod
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            }
            catch (UnknownHostException e) {
                host = "isthmus";
            }
        }
        return new ReplicaIdentity(host + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @Override
    public String toString() {
        return value;
    }
}
