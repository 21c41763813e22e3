package dev.isthmus.discovery.consul;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import dev.isthmus.model.SyncStatus;
import dev.isthmus.platform.consul.ConsulCatalogWatcher;
import dev.isthmus.platform.consul.ConsulFailure;
import dev.isthmus.platform.consul.ConsulView;

/**
 * The Consul watch in {@code /actuator/health} (component {@code consulDiscovery}). In place of
 * Spring Cloud Consul's indicator, which turns DOWN whenever the agent is unreachable: here an
 * outage after a first sync is {@code DEGRADED}, a status the aggregate ignores, because the
 * gateway keeps routing on the last known catalog. Only a watch that never synced is DOWN. Details
 * name the failure's kind (ACL, TLS, unreachable...) per datacenter.
 */
public final class ConsulWatchHealthIndicator implements HealthIndicator {

    /** Serving the last known catalog while Consul fails; not in the aggregate's order, so it does not lower it. */
    public static final Status DEGRADED = new Status("DEGRADED", "serving the last known Consul catalog");

    private final ConsulCatalogWatcher watcher;

    public ConsulWatchHealthIndicator(ConsulCatalogWatcher watcher) {
        this.watcher = watcher;
    }

    @Override
    public Health health() {
        ConsulView view = watcher.view();
        SyncStatus status = watcher.status();
        Map<String, ConsulFailure> failures = view.failures();
        Health.Builder health;
        if (failures.isEmpty()) {
            health = view.initialSyncDone() ? Health.up() : Health.unknown();
        }
        else {
            health = status.hasSynced() ? Health.status(DEGRADED) : Health.down();
        }
        if (view.resolveFailure() != null) {
            health.withDetail("error", view.resolveFailure().describe()).withDetail("errorKind", view.resolveFailure().kind().label());
        }
        for (ConsulView.Datacenter dc : view.datacenters().values()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("connected", dc.failure() == null && dc.initialSyncDone());
            d.put("services", dc.catalog() == null ? 0 : dc.catalog().size());
            d.put("watchedServices", dc.services().size());
            d.put("index", dc.catalogIndex());
            if (dc.failure() != null) {
                d.put("error", dc.failure().describe());
                d.put("errorKind", dc.failure().kind().label());
                d.put("failingSince", String.valueOf(dc.failingSince()));
            }
            health.withDetail(dc.name(), d);
        }
        health.withDetail("syncErrors", status.syncErrors());
        if (status.lastSync() != null) {
            health.withDetail("lastSync", status.lastSync().toString());
        }
        return health.build();
    }
}
