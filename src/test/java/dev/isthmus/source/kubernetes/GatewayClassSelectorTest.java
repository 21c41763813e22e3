package dev.isthmus.source.kubernetes;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayClassSelectorTest {

    static final Map<String, String> INTERNAL = Map.of(GatewayClassSelector.ANNOTATION, "internal");

    @Test
    void aGatewayWithAClassServesExactlyThatClassFromSpecOrAnnotation() {
        GatewayClassSelector publicGateway = new GatewayClassSelector("public");
        assertThat(publicGateway.serves("public", null)).isTrue();
        assertThat(publicGateway.serves(null, Map.of(GatewayClassSelector.ANNOTATION, "public"))).isTrue();
        assertThat(publicGateway.serves("public", INTERNAL)).as("the spec wins over the annotation").isTrue();
        assertThat(publicGateway.serves("internal", null)).isFalse();
        assertThat(publicGateway.serves(null, INTERNAL)).isFalse();
        assertThat(publicGateway.serves(null, null)).as("routes without a class are not a classed gateway's").isFalse();
    }

    @Test
    void aGatewayWithoutAClassServesRoutesWithoutOne() {
        GatewayClassSelector none = new GatewayClassSelector(" ");
        assertThat(none.gatewayClass()).isNull();
        assertThat(none.serves(null, null)).isTrue();
        assertThat(none.serves("", Map.of())).isTrue();
        assertThat(none.serves("public", null)).isFalse();
        assertThat(none.serves(null, INTERNAL)).isFalse();
    }
}
