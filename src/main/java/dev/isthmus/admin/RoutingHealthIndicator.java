package dev.isthmus.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.source.RouteSources;
import dev.isthmus.model.SyncStatus;

/**
 * Readiness: up once every enabled route source has completed its first sync and a routing table
 * built from them is in service (Emissary's check_ready). A degraded source (its backend
 * unreachable, last known good routes still served) keeps the gateway ready and shows in details.
 */
public class RoutingHealthIndicator implements HealthIndicator {

    private final RouteSources sources;
    private final RouteTableHolder tables;

    public RoutingHealthIndicator(RouteSources sources, RouteTableHolder tables) {
        this.sources = sources;
        this.tables = tables;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean allSynced = true;
        boolean degraded = false;
        for (SyncStatus s : sources.statuses()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("state", s.state());
            if (s.lastSync() != null) {
                d.put("lastSync", s.lastSync());
            }
            if (s.lastError() != null) {
                d.put("lastError", s.lastError());
            }
            details.put(s.id(), d);
            allSynced &= s.hasSynced();
            degraded |= s.state() == SyncStatus.State.DEGRADED;
        }
        var table = tables.get();
        details.put("tableVersion", table.version());
        details.put("routes", table.size());
        boolean built = sources.all().stream().allMatch(s -> table.sources().contains(s.id()));
        if (!allSynced || !built) {
            return Health.outOfService().withDetails(details)
                    .withDetail("reason", allSynced ? "building the first routing table" : "waiting for the first sync of every route source")
                    .build();
        }
        return (degraded ? Health.status("DEGRADED") : Health.up()).withDetails(details).build();
    }
}
