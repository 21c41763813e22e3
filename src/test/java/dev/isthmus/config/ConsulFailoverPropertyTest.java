package dev.isthmus.config;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** isthmus.consul.failover.datacenters is checked at start-up against the watched datacenters. */
class ConsulFailoverPropertyTest {

    private static IsthmusProperties.Consul consul(List<String> watched, List<String> failover) {
        IsthmusProperties.Consul c = new IsthmusProperties.Consul();
        c.setDatacenters(watched);
        c.getFailover().setDatacenters(failover);
        return c;
    }

    @Test
    void emptyByDefaultMeansNoFailover() {
        assertThat(IsthmusConsulAutoConfiguration.failover(new IsthmusProperties.Consul()).enabled()).isFalse();
    }

    @Test
    void aWatchedOrderIsTaken() {
        assertThat(IsthmusConsulAutoConfiguration.failover(consul(List.of("dc1", "dc2", "dc3"), List.of("dc3", "dc2"))).datacenters())
                .containsExactly("dc3", "dc2");
    }

    @Test
    void anUnwatchedDatacenterStopsStartUpNamingTheProperty() {
        assertThatThrownBy(() -> IsthmusConsulAutoConfiguration.failover(consul(List.of("dc1", "dc2"), List.of("dc3"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("isthmus.consul.failover.datacenters [dc3] 'dc3' is not watched; add it to isthmus.consul.datacenters [dc1, dc2]");
    }

    @Test
    void isthmusValidateRefusesItAsTheGatewayWould() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", java.util.Map.of("isthmus.consul.enabled", "true",
                "isthmus.consul.datacenters", "dc1,dc2", "isthmus.consul.failover.datacenters", "dc1")));
        assertThatThrownBy(() -> OfflineCompiler.from(environment)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("isthmus.consul.failover.datacenters [dc1] 'dc1' is the default datacenter");
    }
}
