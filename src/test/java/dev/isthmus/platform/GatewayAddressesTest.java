package dev.isthmus.platform;

import org.junit.jupiter.api.Test;

import dev.isthmus.model.Cidrs;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayAddressesTest {

    @Test
    void loopbackIsNotAmongTheGatewaysOwnAddressesItHasItsOwnRule() {
        // otherwise isthmus.ownership.destinations.allow-loopback could never allow a loopback Consul instance
        assertThat(GatewayAddresses.local()).allSatisfy(a -> assertThat(Cidrs.address(a).isLoopbackAddress()).as(a).isFalse());
    }
}
