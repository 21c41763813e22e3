package dev.isthmus.config;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.BackendTarget.Registry;
import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.WeightedBackend;
import dev.isthmus.compile.policy.MirrorPolicy;
import dev.isthmus.model.SourceKind;
import dev.isthmus.runtime.ActiveRoute;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableListener;
import dev.isthmus.platform.consul.ConsulCatalogWatcher;

/**
 * Tells the watch which services the routes in service refer to ({@code consul:[dc/]name}, and
 * unqualified names, which Consul may answer for), so it holds a health query for those and not
 * for every service in the catalog. A Consul tag route's reference to its own service is left
 * out: that service is watched for its tags, within the quota of tagged services, and demanding it
 * here would exempt it from that quota.
 */
public final class ConsulWatchDemand implements RouteTableListener {

    private final ConsulCatalogWatcher watcher;

    public ConsulWatchDemand(ConsulCatalogWatcher watcher) {
        this.watcher = watcher;
    }

    @Override
    public void tableSwapped(RouteTable table, RouteTable previous) {
        watcher.demand(servicesOf(table));
    }

    /** Datacenter (null: the default) to service names. */
    static Map<String, Set<String>> servicesOf(RouteTable table) {
        Map<String, Set<String>> out = new HashMap<>();
        for (ActiveRoute route : table.routes()) {
            CompiledRoute c = route.compiled();
            if (c.provenance().kind() == SourceKind.CONSUL) {
                continue;
            }
            for (WeightedBackend b : c.backends()) {
                add(out, b.target());
            }
            MirrorPolicy mirror = c.policy(MirrorPolicy.class);
            if (mirror != null) {
                add(out, mirror.target());
            }
        }
        return out;
    }

    private static void add(Map<String, Set<String>> out, BackendTarget target) {
        if (target instanceof BackendTarget.Service s && s.registry() != Registry.KUBERNETES) {
            out.computeIfAbsent(s.datacenter(), k -> new HashSet<>()).add(s.name());
        }
    }
}
