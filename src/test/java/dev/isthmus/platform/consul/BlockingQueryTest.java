package dev.isthmus.platform.consul;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The long-poll loop's pacing on virtual time: what index each read sends, and when. Answers are
 * scripted (index, or failure) because the loop's rules, not Consul, are under test here; the
 * integration tests run it against a real agent.
 */
class BlockingQueryTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final List<Long> sent = new ArrayList<>();
    private final List<Long> sentAt = new ArrayList<>();
    private final Deque<Supplier<Mono<ConsulHttpClient.Response>>> script = new ArrayDeque<>();
    private final List<Long> changes = new ArrayList<>();
    private final List<ConsulFailure.Kind> failures = new ArrayList<>();
    private BlockingQuery<String> query;

    @AfterEach
    void stop() {
        if (query != null) {
            query.stop();
        }
        time.dispose();
    }

    private void start(Duration wait) {
        query = new BlockingQuery<>("test", index -> {
            sent.add(index);
            sentAt.add(time.now(java.util.concurrent.TimeUnit.MILLISECONDS));
            Supplier<Mono<ConsulHttpClient.Response>> next = script.poll();
            return next == null ? Mono.never() : next.get();
        }, r -> "body@" + r.index(), new BlockingQuery.Handler<>() {
            @Override
            public void changed(String value, long index) {
                changes.add(index);
            }

            @Override
            public void answered(boolean mayHaveChanged) {
            }

            @Override
            public void failed(ConsulFailure failure) {
                failures.add(failure.kind());
            }
        }, time, new Backoff(Duration.ofMillis(100), Duration.ofMillis(800), () -> 1.0), wait,
                () -> time.now(java.util.concurrent.TimeUnit.NANOSECONDS));
        time.schedule(query::start);
    }

    private void answer(long index) {
        script.add(() -> {
            var h = java.net.http.HttpHeaders.of(java.util.Map.of("X-Consul-Index", List.of(String.valueOf(index))), (k, v) -> true);
            return Mono.just(new ConsulHttpClient.Response(200, h, new byte[0]));
        });
    }

    private void fail() {
        script.add(() -> Mono.error(new java.net.ConnectException("Connection refused")));
    }

    @Test
    void followsTheIndexAndReadsAgainAtOnceAfterAnIsolatedChange() {
        answer(10);
        answer(12);
        answer(15);
        start(Duration.ofMinutes(5));
        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(sent).containsExactly(0L, 10L, 12L, 15L);
        assertThat(changes).containsExactly(10L, 12L, 15L);
        assertThat(sentAt).containsExactly(0L, 0L, 0L, 0L);
    }

    @Test
    void underChurnReadsAreRateLimitedAfterABurst() {
        for (int i = 1; i <= 6; i++) {
            answer(10 + i);
        }
        start(Duration.ofMinutes(5));
        time.advanceTimeBy(Duration.ofSeconds(1));

        // answers arrive at once (Consul woken by every change): 3 reads at once, then one per 50 ms
        assertThat(sentAt).containsExactly(0L, 0L, 0L, 0L, 50L, 100L, 150L);
        assertThat(changes).containsExactly(11L, 12L, 13L, 14L, 15L, 16L);
    }

    @Test
    void anUnchangedAnswerLongBeforeTheWaitBacksOffInsteadOfSpinning() {
        answer(10);
        answer(10);
        answer(10);
        answer(10);
        start(Duration.ofMinutes(5));
        time.advanceTimeBy(Duration.ofSeconds(2));

        assertThat(sent).containsExactly(0L, 10L, 10L, 10L, 10L);
        assertThat(changes).containsExactly(10L);
        // the first change is read again at once; then 100, 200, 400 ms for the early unchanged answers
        assertThat(sentAt).containsExactly(0L, 0L, 100L, 300L, 700L);
    }

    @Test
    void anIndexGoingBackwardsIsConfirmedByAPlainReadBeforeItsDataIsTaken() {
        answer(100);
        answer(7); // e.g. a new cluster, or Consul's empty answer at index 1 for a token deleted meanwhile
        answer(8);
        start(Duration.ofMinutes(5));
        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(sent).containsExactly(0L, 100L, 0L, 8L);
        assertThat(changes).containsExactly(100L, 8L);
    }

    @Test
    void failuresBackOffExponentiallyAndTheNextReadDoesNotBlock() {
        answer(10);
        fail();
        fail();
        fail();
        fail();
        answer(11);
        start(Duration.ofMinutes(5));
        time.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(failures).containsExactly(ConsulFailure.Kind.UNREACHABLE, ConsulFailure.Kind.UNREACHABLE,
                ConsulFailure.Kind.UNREACHABLE, ConsulFailure.Kind.UNREACHABLE);
        // after a failure the agent may be another one, possibly at a lower index: read without blocking
        assertThat(sent).containsExactly(0L, 10L, 0L, 0L, 0L, 0L, 11L);
        assertThat(sentAt).containsExactly(0L, 0L, 100L, 300L, 700L, 1500L, 1500L);
        assertThat(changes).containsExactly(10L, 11L);
    }

    @Test
    void wakeUpRetriesAtOnceInsteadOfWaitingOutTheBackoff() {
        answer(10);
        fail();
        fail();
        fail();
        answer(12);
        start(Duration.ofMinutes(5));
        time.advanceTimeBy(Duration.ofMillis(400)); // failed at 0, 100, 300: now backing off until 700
        time.schedule(query::wakeUp);
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(sentAt).containsExactly(0L, 0L, 100L, 300L, 400L, 400L); // woken at 400, then blocking on 12
        assertThat(changes).containsExactly(10L, 12L);
    }

    @Test
    void aFirstReadWithoutIndexHeaderStillBlocksNext() {
        answer(0);
        start(Duration.ofMinutes(5));
        time.advanceTimeBy(Duration.ofMillis(100));

        assertThat(sent).containsExactly(0L, 1L);
    }
}
