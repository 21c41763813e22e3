package dev.isthmus.discovery.consul;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import dev.isthmus.discovery.consul.DatacenterFailover.Availability;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatacenterFailoverTest {

    private static final List<String> WATCHED = List.of("dc1", "dc2", "dc3");
    private final DatacenterFailover failover = DatacenterFailover.of(List.of("dc2", "dc3"), WATCHED);

    private static Function<String, Availability> passingIn(String... dcs) {
        return dc -> Set.of(dcs).contains(dc) ? Availability.ROUTABLE : Availability.NONE;
    }

    @Test
    void localPassingAnswersLocally() {
        assertThat(failover.serving("dc1", passingIn("dc1", "dc2", "dc3"))).isEqualTo("dc1");
    }

    @Test
    void localWithNoneFailsOverToTheFirstListedWithPassingInstances() {
        assertThat(failover.serving("dc1", passingIn("dc2", "dc3"))).isEqualTo("dc2");
        assertThat(failover.serving("dc1", passingIn("dc3"))).isEqualTo("dc3");
    }

    @Test
    void theOrderOfTheListDecidesNotTheOrderOfWatching() {
        DatacenterFailover reversed = DatacenterFailover.of(List.of("dc3", "dc2"), WATCHED);
        assertThat(reversed.serving("dc1", passingIn("dc2", "dc3"))).isEqualTo("dc3");
        assertThat(reversed.candidates("dc1")).containsExactly("dc1", "dc3", "dc2");
    }

    @Test
    void noneAnywhereIsNoDatacenter() {
        assertThat(failover.serving("dc1", passingIn())).isNull();
        assertThat(failover.resolve(null, "dc1", passingIn())).isNull();
    }

    @Test
    void failsBackAsSoonAsLocalPassesAgain() {
        assertThat(failover.serving("dc1", passingIn("dc2"))).isEqualTo("dc2");
        assertThat(failover.serving("dc1", passingIn("dc1", "dc2"))).isEqualTo("dc1");
    }

    @Test
    void aNamedDatacenterNeverFailsOverAndIsNotEvenAsked() {
        List<String> asked = new ArrayList<>();
        assertThat(failover.resolve("dc1", "dc1", dc -> asked.add(dc) && dc.equals("dc2") ? Availability.ROUTABLE : Availability.NONE))
                .isEqualTo("dc1");
        assertThat(failover.resolve("dc3", "dc1", dc -> asked.add(dc) ? Availability.NONE : Availability.NONE)).isEqualTo("dc3");
        assertThat(asked).isEmpty();
    }

    @Test
    void aDefaultDatacenterThatHasNotReadTheServiceYetKeepsAnswering() {
        assertThat(failover.serving("dc1", dc -> dc.equals("dc1") ? Availability.UNKNOWN : Availability.ROUTABLE)).isEqualTo("dc1");
        // a failover datacenter not read yet is passed over
        assertThat(failover.serving("dc1", dc -> dc.equals("dc2") ? Availability.UNKNOWN : dc.equals("dc3") ? Availability.ROUTABLE
                : Availability.NONE)).isEqualTo("dc3");
    }

    @Test
    void withoutAListTheDefaultDatacenterAnswersEvenWithNoInstance() {
        DatacenterFailover none = DatacenterFailover.of(List.of(), WATCHED);
        assertThat(none.enabled()).isFalse();
        assertThat(none.serving("dc1", passingIn("dc2"))).isEqualTo("dc1");
        assertThat(DatacenterFailover.of(null, List.of())).isEqualTo(DatacenterFailover.NONE);
    }

    @Test
    void anInvalidListIsRefusedWithItsReason() {
        assertThatThrownBy(() -> DatacenterFailover.of(List.of("dc9"), WATCHED)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'dc9' is not watched; add it to isthmus.consul.datacenters [dc1, dc2, dc3]");
        assertThatThrownBy(() -> DatacenterFailover.of(List.of("dc1", "dc2"), WATCHED)).hasMessageStartingWith("'dc1' is the default datacenter");
        assertThatThrownBy(() -> DatacenterFailover.of(List.of("dc2", "dc2"), WATCHED)).hasMessage("lists 'dc2' twice");
        assertThatThrownBy(() -> DatacenterFailover.of(List.of("dc2", " "), WATCHED)).hasMessage("has an empty entry");
        assertThatThrownBy(() -> DatacenterFailover.of(List.of("dc2"), List.of())).hasMessageStartingWith("needs isthmus.consul.datacenters");
    }

    @Test
    void entriesAreTrimmedAsTheWatchedListIs() {
        assertThat(DatacenterFailover.of(List.of(" dc3 "), List.of(" dc1", "dc3")).datacenters()).containsExactly("dc3");
    }
}
