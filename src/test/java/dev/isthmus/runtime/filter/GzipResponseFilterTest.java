package dev.isthmus.runtime.filter;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GzipResponseFilterTest {

    @Test
    void gzipOnlyWhenTheClientAcceptsIt() {
        assertThat(GzipResponseFilter.acceptsGzip(null)).isFalse();
        assertThat(GzipResponseFilter.acceptsGzip(List.of("gzip"))).isTrue();
        assertThat(GzipResponseFilter.acceptsGzip(List.of("br, GZIP;q=0.5"))).isTrue();
        assertThat(GzipResponseFilter.acceptsGzip(List.of("deflate", "x-gzip"))).isTrue();
        assertThat(GzipResponseFilter.acceptsGzip(List.of("*"))).isTrue();
        assertThat(GzipResponseFilter.acceptsGzip(List.of("br, deflate"))).isFalse();
        assertThat(GzipResponseFilter.acceptsGzip(List.of("identity"))).isFalse();
        assertThat(GzipResponseFilter.acceptsGzip(List.of("gzip;q=0"))).isFalse();
        assertThat(GzipResponseFilter.acceptsGzip(List.of("gzip;q=0.000, *"))).as("an explicit refusal beats *").isFalse();
        assertThat(GzipResponseFilter.acceptsGzip(List.of("*;q=0"))).isFalse();
        assertThat(GzipResponseFilter.acceptsGzip(List.of("gzip;q=abc"))).isFalse();
    }
}
