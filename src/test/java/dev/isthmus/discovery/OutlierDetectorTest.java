package dev.isthmus.discovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget.Registry;

import static org.assertj.core.api.Assertions.assertThat;

class OutlierDetectorTest {

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final OutlierDetector detector = new OutlierDetector(3, Duration.ofSeconds(10), 50, now::get);
    final Instance a = new Instance("a", "10.0.0.1", 80, false, 1, Registry.KUBERNETES, null, Map.of());
    final Instance b = new Instance("b", "10.0.0.2", 80, false, 1, Registry.KUBERNETES, null, Map.of());
    final Instance c = new Instance("c", "10.0.0.3", 80, false, 1, Registry.KUBERNETES, null, Map.of());

    @Test
    void ejectsAfterConsecutiveFailuresAndBringsTheInstanceBack() {
        detector.failure(a);
        detector.failure(a);
        detector.success(a); // the streak is broken
        detector.failure(a);
        detector.failure(a);
        assertThat(detector.filter(List.of(a, b))).containsExactly(a, b);
        detector.failure(a);
        assertThat(detector.filter(List.of(a, b))).containsExactly(b);
        assertThat(detector.describe(a).ejected()).isTrue();

        now.addAndGet(Duration.ofSeconds(11).toNanos());
        assertThat(detector.filter(List.of(a, b))).containsExactly(a, b);
    }

    @Test
    void repeatedEjectionsLastLonger() {
        for (int i = 0; i < 3; i++) {
            detector.failure(a);
        }
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        for (int i = 0; i < 3; i++) {
            detector.failure(a);
        }
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        assertThat(detector.isEjected(a)).as("second ejection lasts 20 s").isTrue();
        assertThat(detector.describe(a).timesEjected()).isEqualTo(2);
    }

    @Test
    void neverEjectsMoreThanTheMaximumShare() {
        for (Instance i : List.of(a, b, c)) {
            for (int n = 0; n < 3; n++) {
                detector.failure(i);
                now.addAndGet(1);
            }
        }
        // 50% of 3 instances: at most one stays out, the least recently ejected come back first
        assertThat(detector.filter(List.of(a, b, c))).containsExactlyInAnyOrder(a, b);
    }
}
