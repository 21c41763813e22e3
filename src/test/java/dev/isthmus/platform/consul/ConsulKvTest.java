package dev.isthmus.platform.consul;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** KV keys become request paths segment by segment: a service name cannot change the path's structure. */
class ConsulKvTest {

    @Test
    void eachSegmentOfAKeyIsEncodedAndTheSlashesStay() {
        assertThat(ConsulKv.path("isthmus/status/dc1/orders")).isEqualTo("/v1/kv/isthmus/status/dc1/orders");
        assertThat(ConsulKv.path("isthmus/status/dc1/my service")).isEqualTo("/v1/kv/isthmus/status/dc1/my%20service");
        assertThat(ConsulKv.path("isthmus/status/dc1/a?b#c")).isEqualTo("/v1/kv/isthmus/status/dc1/a%3Fb%23c");
    }
}
