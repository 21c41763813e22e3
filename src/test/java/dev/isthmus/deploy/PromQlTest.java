package dev.isthmus.deploy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PromQlTest {

    @Test
    void findsTheMetricsOfAnExpressionAndNothingElse() {
        assertThat(PromQl.metricNames("""
                (sum by (namespace, route) (rate(isthmus_requests_total{job="x",code="5xx",route!="none"}[5m]))
                  / sum by (route) (rate(isthmus_requests_total{route!~"a|b"}[$__rate_interval]))) > 0.05
                and on (route) histogram_quantile(0.99, sum by (le) (rate(spring_cloud_gateway_requests_seconds_bucket[10m]))) > 1e3
                or max without (instance) (up_metric offset 5m) == bool 1""")).containsExactly("isthmus_requests_total",
                "spring_cloud_gateway_requests_seconds_bucket", "up_metric");
        assertThat(PromQl.metricNames("label_values(isthmus_routes_table_version, job)")).containsExactly("isthmus_routes_table_version");
        assertThat(PromQl.metricNames("max(jvm_memory_used_bytes{area=\"heap\"})")).containsExactly("jvm_memory_used_bytes");
    }
}
