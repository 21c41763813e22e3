package dev.isthmus.discovery.consul;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports which datacenter serves each service routes name without a datacenter: the gauge
 * {@code isthmus.consul.failover.active{service, datacenter}} (1 for the one serving, 0 for the other
 * candidates), the counter {@code isthmus.consul.failover.switches{service, from, to, direction}}
 * and one INFO line per failover or fail-back. Called on the watch thread only, once per view.
 */
final class FailoverReporter {

    private static final Logger log = LoggerFactory.getLogger(FailoverReporter.class);

    private final MeterRegistry meters;
    // MultiGauge: rows for services no longer referred to are removed with the next register(rows, true)
    private final MultiGauge active;
    /** Service to the datacenter that served it last (the default datacenter until a failover). */
    private final Map<String, String> lastServing = new HashMap<>();

    FailoverReporter(MeterRegistry meters) {
        this.meters = meters;
        this.active = MultiGauge.builder("isthmus.consul.failover.active")
                .description("1 for the Consul datacenter now answering for a service named without a datacenter, 0 for its other candidates")
                .register(meters);
    }

    /**
     * @param services the services routes name without a datacenter
     * @param candidates the default datacenter, then the failover order
     * @param serving service to the datacenter answering now (absent: none has a routable instance)
     */
    void report(Set<String> services, List<String> candidates, Map<String, String> serving) {
        if (candidates.isEmpty()) {
            return;
        }
        String defaultDc = candidates.get(0);
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (String service : services) {
            String now = serving.get(service);
            for (String dc : candidates) {
                rows.add(MultiGauge.Row.of(Tags.of("service", service, "datacenter", dc), dc.equals(now) ? 1 : 0));
            }
            String before = lastServing.getOrDefault(service, defaultDc);
            if (now != null && !now.equals(before)) {
                boolean failback = now.equals(defaultDc);
                String direction = failback ? "failback" : "failover";
                if (failback) {
                    log.info("Consul service {}: fail-back from {} to {}: {} has routable instances again", service, before, now, now);
                }
                else {
                    log.info("Consul service {}: failover from {} to {}: no routable instance in {}", service, before, now,
                            String.join(", ", candidates.subList(0, candidates.indexOf(now))));
                }
                Counter.builder("isthmus.consul.failover.switches")
                        .description("Changes of the Consul datacenter answering for a service named without one")
                        .tags("service", service, "from", before, "to", now, "direction", direction).register(meters).increment();
            }
            if (now != null) {
                lastServing.put(service, now);
            }
        }
        lastServing.keySet().retainAll(services);
        active.register(rows, true);
    }
}
