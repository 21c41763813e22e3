package dev.isthmus.discovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget.Registry;

import static org.assertj.core.api.Assertions.assertThat;

class OutlierDetectorTest {

    private static final String SCOPE = "namespace shop";

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final OutlierDetector detector = new OutlierDetector(3, Duration.ofSeconds(10), 50, now::get);
    final Instance a = new Instance("a", "10.0.0.1", 80, false, 1, Registry.KUBERNETES, null, Map.of());
    final Instance b = new Instance("b", "10.0.0.2", 80, false, 1, Registry.KUBERNETES, null, Map.of());
    final Instance c = new Instance("c", "10.0.0.3", 80, false, 1, Registry.KUBERNETES, null, Map.of());

    @Test
    void ejectsAfterConsecutiveFailuresAndBringsTheInstanceBack() {
        detector.failure(SCOPE, a);
        detector.failure(SCOPE, a);
        detector.success(SCOPE, a); // the streak is broken
        detector.failure(SCOPE, a);
        detector.failure(SCOPE, a);
        assertThat(detector.filter(SCOPE, List.of(a, b))).containsExactly(a, b);
        detector.failure(SCOPE, a);
        assertThat(detector.filter(SCOPE, List.of(a, b))).containsExactly(b);
        assertThat(detector.describe(SCOPE, a).ejected()).isTrue();

        now.addAndGet(Duration.ofSeconds(11).toNanos());
        assertThat(detector.filter(SCOPE, List.of(a, b))).containsExactly(a, b);
    }

    @Test
    void repeatedEjectionsLastLonger() {
        for (int i = 0; i < 3; i++) {
            detector.failure(SCOPE, a);
        }
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        for (int i = 0; i < 3; i++) {
            detector.failure(SCOPE, a);
        }
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        assertThat(detector.isEjected(SCOPE, a)).as("second ejection lasts 20 s").isTrue();
        assertThat(detector.describe(SCOPE, a).timesEjected()).isEqualTo(2);
    }

    @Test
    void neverEjectsMoreThanTheMaximumShare() {
        for (Instance i : List.of(a, b, c)) {
            for (int n = 0; n < 3; n++) {
                detector.failure(SCOPE, i);
                now.addAndGet(1);
            }
        }
        // 50% of 3 instances: at most one stays out, the least recently ejected come back first
        assertThat(detector.filter(SCOPE, List.of(a, b, c))).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void oneOwnersFailuresNeverEjectAnInstanceForAnother() {
        // security.md M5: a tenant that sends bad requests to a shared service must not eject it for its owner
        for (int i = 0; i < 10; i++) {
            detector.failure("namespace evil", a);
        }
        assertThat(detector.filter("namespace evil", List.of(a, b))).containsExactly(b);
        assertThat(detector.filter(SCOPE, List.of(a, b))).containsExactly(a, b);
        assertThat(detector.describe(SCOPE, a).ejected()).isFalse();
        assertThat(detector.describe(SCOPE, a).consecutiveFailures()).isZero();
    }
}
