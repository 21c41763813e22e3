package dev.isthmus.discovery.consul;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The failover metrics, on a real Micrometer registry. */
class FailoverReporterTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final FailoverReporter reporter = new FailoverReporter(meters);
    private final List<String> candidates = List.of("dc1", "dc2", "dc3");

    private double active(String service, String dc) {
        var g = meters.find("isthmus.consul.failover.active").tags("service", service, "datacenter", dc).gauge();
        return g == null ? Double.NaN : g.value();
    }

    private double switches(String direction, String from, String to) {
        var c = meters.find("isthmus.consul.failover.switches").tags("service", "orders", "direction", direction, "from", from, "to", to).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void countsEachFailoverAndFailBackOnceAndShowsWhoServes() {
        reporter.report(Set.of("orders"), candidates, Map.of("orders", "dc1"));
        assertThat(active("orders", "dc1")).isEqualTo(1.0);
        assertThat(active("orders", "dc2")).isZero();
        assertThat(meters.find("isthmus.consul.failover.switches").counters()).isEmpty();

        reporter.report(Set.of("orders"), candidates, Map.of("orders", "dc2"));
        reporter.report(Set.of("orders"), candidates, Map.of("orders", "dc2"));
        assertThat(active("orders", "dc1")).isZero();
        assertThat(active("orders", "dc2")).isEqualTo(1.0);
        assertThat(switches("failover", "dc1", "dc2")).isEqualTo(1.0);

        // none anywhere: nobody serves, and the next to serve is counted from the last that did
        reporter.report(Set.of("orders"), candidates, Map.of());
        assertThat(active("orders", "dc2")).isZero();
        reporter.report(Set.of("orders"), candidates, Map.of("orders", "dc3"));
        assertThat(switches("failover", "dc2", "dc3")).isEqualTo(1.0);

        reporter.report(Set.of("orders"), candidates, Map.of("orders", "dc1"));
        assertThat(switches("failback", "dc3", "dc1")).isEqualTo(1.0);
        assertThat(active("orders", "dc1")).isEqualTo(1.0);
        assertThat(active("orders", "dc3")).isZero();
    }

    @Test
    void servicesNoLongerReferredToLoseTheirGauges() {
        reporter.report(Set.of("orders", "billing"), candidates, Map.of("orders", "dc1", "billing", "dc2"));
        assertThat(active("billing", "dc2")).isEqualTo(1.0);
        reporter.report(Set.of("orders"), candidates, Map.of("orders", "dc1"));
        assertThat(active("billing", "dc2")).isNaN();
        assertThat(active("orders", "dc1")).isEqualTo(1.0);
    }
}
