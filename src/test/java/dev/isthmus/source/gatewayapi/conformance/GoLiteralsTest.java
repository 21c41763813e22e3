package dev.isthmus.source.gatewayapi.conformance;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GoLiteralsTest {

    @Test
    void readsExpectedResponsesWithTheFilesOwnStrings() {
        String go = """
                package tests
                var X = suite.ConformanceTest{
                	ShortName:   "HTTPRouteExample",
                	Manifests: []string{"tests/httproute-example.yaml"},
                	Test: func(t *testing.T, suite *suite.ConformanceTestSuite) {
                		ns := "gateway-conformance-infra"
                		testCases := []http.ExpectedResponse{{
                			Request: http.Request{Path: "/set", Headers: map[string]string{"Some-Other-Header": "val"}},
                			ExpectedRequest: &http.ExpectedRequest{Request: http.Request{Path: "/set"}, AbsentHeaders: []string{"X-A", "X-B"}},
                			Backend:   "infra-backend-v1",
                			Namespace: ns, // a comment
                		}, {
                			Request:  http.Request{Host: "a.example.com", Path: `/raw`},
                			Response: http.Response{StatusCode: 404},
                			Namespace: unknownVariable,
                		}}
                		other := http.ExpectedResponse{Request: http.Request{Path: fmt.Sprintf("/%d", 1)}, Response: http.Response{StatusCodes: []int{500, -1}}, MirroredTo: []http.MirroredBackend{{Percent: ptr.To(int32(20))}}}
                	},
                }
                """;
        List<Map<String, Object>> cases = GoLiterals.expectedResponses(go);
        assertThat(cases).hasSize(3);
        assertThat(cases.get(0)).containsEntry("Backend", "infra-backend-v1").containsEntry("Namespace", "gateway-conformance-infra");
        assertThat(cases.get(0).get("Request")).isEqualTo(Map.of("Path", "/set", "Headers", Map.of("Some-Other-Header", "val")));
        assertThat(((Map<?, ?>) cases.get(0).get("ExpectedRequest")).get("AbsentHeaders")).isEqualTo(List.of("X-A", "X-B"));
        assertThat(cases.get(1).get("Namespace")).isSameAs(GoLiterals.UNRESOLVED);
        assertThat(((Map<?, ?>) cases.get(1).get("Request")).get("Path")).isEqualTo("/raw");
        assertThat(((Map<?, ?>) cases.get(2).get("Request")).get("Path")).isSameAs(GoLiterals.UNRESOLVED);
        assertThat(((Map<?, ?>) cases.get(2).get("Response")).get("StatusCodes")).isEqualTo(List.of(500L, -1L));
        assertThat(cases.get(2).get("MirroredTo")).isEqualTo(List.of(Map.of("Percent", 20L)));
        assertThat(GoLiterals.manifests(go)).containsExactly("tests/httproute-example.yaml");
        assertThat(GoLiterals.shortNames(go)).containsExactly("HTTPRouteExample");
    }
}
