package dev.isthmus.compile;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationParserTest {

    @ParameterizedTest
    @CsvSource({ "250ms, 250", "2s, 2000", "1.5s, 1500", "1m30s, 90000", "1h, 3600000", "0.5ms, 0", "1h1m1s1ms, 3661001" })
    void parses(String text, long millis) {
        assertThat(DurationParser.parse(text).toMillis()).isEqualTo(millis);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "5", "-5s", "1d", "s", "1 s", "1.s", "forever", "1e3s" })
    void refuses(String text) {
        assertThatThrownBy(() -> DurationParser.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duration");
    }

    @ParameterizedTest
    @ValueSource(strings = { "99999999999999h", "9999999999999999999999ms" })
    void refusesDurationsBeyondRange(String text) {
        assertThatThrownBy(() -> DurationParser.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
    }

    @ParameterizedTest
    @ValueSource(strings = { "1m30s" })
    void sumsTerms(String text) {
        assertThat(DurationParser.parse(text)).isEqualTo(Duration.ofSeconds(90));
    }
}
