package dev.isthmus.platform.consul;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;


/**
 * One registered instance of a Consul service as the health endpoint reports it, healthy or not:
 * the route source reads every instance's tags, the registry routes to the healthy ones.
 *
 * @param id {@code <node>/<service ID>}: service IDs are only unique per agent
 * @param address {@code Service.Address}, or the node's address when the service has none
 * @param failing the checks that are not passing, {@code name: status}, for diagnostics
 */
public record RegisteredInstance(String id, String node, String serviceId, String address, int port, List<String> tags,
        Map<String, String> meta, int passingWeight, int warningWeight, HealthStatus health, List<String> failing) {

    public static final Comparator<RegisteredInstance> BY_ID = Comparator.comparing(RegisteredInstance::id);

    public RegisteredInstance {
        tags = tags == null ? List.of() : List.copyOf(tags);
        meta = meta == null ? Map.of() : Map.copyOf(meta);
        failing = failing == null ? List.of() : List.copyOf(failing);
    }

    static RegisteredInstance of(ConsulJson.HealthEntry entry) {
        ConsulJson.Service s = entry.service();
        ConsulJson.Node n = entry.node();
        String nodeName = n == null || n.name() == null ? "" : n.name();
        String address = s.address() != null && !s.address().isBlank() ? s.address() : n == null ? null : n.address();
        int passing = s.weights() == null || s.weights().passing() == null ? 1 : s.weights().passing();
        int warning = s.weights() == null || s.weights().warning() == null ? 1 : s.weights().warning();
        List<String> failing = new ArrayList<>();
        if (entry.checks() != null) {
            for (ConsulJson.Check c : entry.checks()) {
                if (HealthStatus.of(c.status()) != HealthStatus.PASSING) {
                    failing.add((c.name() == null || c.name().isBlank() ? c.id() : c.name()) + ": " + c.status());
                }
            }
        }
        return new RegisteredInstance(nodeName + "/" + s.id(), nodeName, s.id(), address, s.port() == null ? 0 : s.port(),
                s.tags(), s.meta(), passing, warning, HealthStatus.worst(entry.checks()), failing);
    }

    /** Whether the gateway may send traffic here: healthy enough, with an address and a port. */
    public boolean routable(boolean acceptWarning) {
        return health.routable(acceptWarning) && address != null && !address.isBlank() && port > 0;
    }
}
