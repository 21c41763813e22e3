package dev.isthmus.platform.consul;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {

    @Test
    void doublesFromMinToMaxWithFullStepAtTopJitter() {
        Backoff b = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(2), () -> 1.0);
        assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(250));
        assertThat(b.delay(2)).isEqualTo(Duration.ofMillis(500));
        assertThat(b.delay(3)).isEqualTo(Duration.ofMillis(1000));
        assertThat(b.delay(4)).isEqualTo(Duration.ofMillis(2000));
        assertThat(b.delay(5)).isEqualTo(Duration.ofMillis(2000));
        assertThat(b.delay(1_000_000)).isEqualTo(Duration.ofMillis(2000));
    }

    @Test
    void jitterTakesAtMostHalfOfTheStep() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), () -> 0.0);
        assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(50));
        assertThat(b.delay(3)).isEqualTo(Duration.ofMillis(200));
        assertThat(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30)).delay(3))
                .isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
    }

    @Test
    void aMaxBelowMinIsRaisedToMin() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofMillis(10), () -> 1.0);
        assertThat(b.delay(5)).isEqualTo(Duration.ofSeconds(1));
    }
}
