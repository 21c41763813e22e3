package dev.isthmus.source.gatewayapi.conformance;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The provisioned suite reads: every HTTPRoute test has its manifests and expectations. */
class ConformanceSuiteTest {

    @Test
    void readsEveryHttpRouteCase() throws Exception {
        var cases = ConformanceSuite.httpRouteCases();
        ConformanceSuite.describe(cases).forEach(System.out::println);
        assertThat(cases).containsKeys("HTTPRoutePathMatchOrder", "HTTPRouteMatchingAcrossRoutes", "HTTPRouteRequestHeaderModifier",
                "HTTPRouteBackendRequestHeaderModifier");
        assertThat(cases.get("HTTPRoutePathMatchOrder").expectations()).hasSize(6);
        assertThat(cases.get("HTTPRouteMatchingAcrossRoutes").manifests()).containsExactly("tests/httproute-matching-across-routes.yaml");
    }
}
