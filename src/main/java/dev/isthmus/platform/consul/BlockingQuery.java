package dev.isthmus.platform.consul;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One long-poll loop on a Consul endpoint: read with {@code index} and {@code wait}, hand on what
 * may have changed, read again. Follows {@link BlockingIndex}'s rules and never spins: reads after
 * answers that may carry a change are rate-limited (a token bucket: {@link #BURST} at once, then
 * one per {@link #MIN_INTERVAL}), an unchanged answer that comes back well before the wait backs
 * off, and failures back off exponentially up to max-backoff.
 * After a failure the next read is non-blocking (index 0): the agent that answers may have
 * restarted with other data, at an index below ours that a blocking read would wait out for the
 * whole {@code wait} before the backwards rule could apply.
 *
 * <p>Not thread-safe by design: every method runs on the watch's single scheduler thread, and
 * answers are handed to it from Netty's event loop, so no state is shared between threads.
 */
final class BlockingQuery<T> {

    private static final Logger log = LoggerFactory.getLogger(BlockingQuery.class);

    /**
     * Sustained pace of reads after changes: under churn (a deploy registering hundreds of
     * instances) a query reads at most 20 times a second, however often Consul wakes it.
     */
    static final Duration MIN_INTERVAL = Duration.ofMillis(50);
    /** Reads allowed back to back before the pace applies: isolated changes are never delayed. */
    static final int BURST = 3;

    /** What the loop reports, on the scheduler thread. */
    interface Handler<T> {
        /** An answer that may carry new data (callers compare with what they have). */
        void changed(T value, long index);

        /** Every successful answer, {@code mayHaveChanged} or not (a wait timeout). */
        void answered(boolean mayHaveChanged);

        void failed(ConsulFailure failure);
    }

    private final String what;
    private final LongFunction<Mono<ConsulHttpClient.Response>> request;
    private final Function<ConsulHttpClient.Response, T> parser;
    private final Handler<T> handler;
    private final Scheduler scheduler;
    private final Backoff backoff;
    private final long halfWaitNanos;
    private final LongSupplier nanoTime;

    private long index;
    private int failures;
    private int earlyUnchanged;
    private boolean stopped;
    private boolean backingOff;
    private Disposable inflight;
    private Disposable timer;
    /** Token bucket of reads after changes; negative when a read had to wait for its token. */
    private double tokens = BURST;
    private long refilledAt;

    /**
     * @param what the query in log lines, e.g. {@code health of web in dc1}
     * @param request sends the read for an index (0: non-blocking)
     */
    BlockingQuery(String what, LongFunction<Mono<ConsulHttpClient.Response>> request, Function<ConsulHttpClient.Response, T> parser,
            Handler<T> handler, Scheduler scheduler, Backoff backoff, Duration wait) {
        this(what, request, parser, handler, scheduler, backoff, wait, System::nanoTime);
    }

    /** @param nanoTime a monotonic clock (tests pass their scheduler's virtual time) */
    BlockingQuery(String what, LongFunction<Mono<ConsulHttpClient.Response>> request, Function<ConsulHttpClient.Response, T> parser,
            Handler<T> handler, Scheduler scheduler, Backoff backoff, Duration wait, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.refilledAt = nanoTime.getAsLong();
        this.what = what;
        this.request = request;
        this.parser = parser;
        this.handler = handler;
        this.scheduler = scheduler;
        this.backoff = backoff;
        this.halfWaitNanos = wait.toNanos() / 2;
    }

    void start() {
        poll();
    }

    /** Retries at once if backing off after a failure (the agent answered another query). */
    void wakeUp() {
        if (backingOff && timer != null && !stopped) {
            timer.dispose();
            poll();
        }
    }

    void stop() {
        stopped = true;
        if (timer != null) {
            timer.dispose();
        }
        if (inflight != null) {
            inflight.dispose(); // closes the pending long poll's connection
        }
    }

    long index() {
        return index;
    }

    private void poll() {
        timer = null;
        backingOff = false;
        if (stopped) {
            return;
        }
        long sent = index;
        long started = nanoTime.getAsLong();
        inflight = request.apply(sent)
                .publishOn(scheduler)
                .subscribe(r -> answered(r, sent, started), e -> failed(ConsulFailure.ofError(e, what)));
    }

    private void answered(ConsulHttpClient.Response response, long sent, long started) {
        inflight = null;
        if (stopped) {
            return;
        }
        T value;
        try {
            value = parser.apply(response);
        }
        catch (ConsulFailure f) {
            failed(f);
            return;
        }
        long answered = response.index();
        if (BlockingIndex.wentBackwards(sent, answered)) {
            // Not taken as is: Consul also answers a blocking query with an empty result at index 1
            // when the token has been deleted meanwhile. A plain read (index 0) confirms the state,
            // or fails with the real reason (403), so the last good data is not replaced by nothing.
            log.info("{}: X-Consul-Index went back from {} to {} (agent restarted with other data, another cluster, or a revoked"
                    + " token); reading afresh", what, sent, answered);
            index = 0;
            failures = 0;
            schedule(paceAfterChange());
            return;
        }
        boolean mayHaveChanged = BlockingIndex.mayHaveChanged(sent, answered);
        index = BlockingIndex.next(sent, answered);
        failures = 0;
        long elapsed = nanoTime.getAsLong() - started;
        long delayNanos = 0;
        if (mayHaveChanged) {
            earlyUnchanged = 0;
            delayNanos = paceAfterChange();
        }
        else if (elapsed < halfWaitNanos) {
            // Same index long before the wait was over: nothing to gain from asking again at once.
            earlyUnchanged++;
            delayNanos = backoff.delay(earlyUnchanged).toNanos();
            log.debug("{}: unchanged index {} after {} ms; next read in {} ms", what, answered, elapsed / 1_000_000, delayNanos / 1_000_000);
        }
        else {
            earlyUnchanged = 0;
        }
        try {
            handler.answered(mayHaveChanged);
            if (mayHaveChanged) {
                handler.changed(value, answered);
            }
        }
        catch (RuntimeException e) {
            // A bug downstream must not end the watch: log it and keep watching.
            log.error("{}: handling the answer at index {} failed", what, answered, e);
        }
        schedule(delayNanos);
    }

    private void failed(ConsulFailure failure) {
        inflight = null;
        if (stopped) {
            return;
        }
        failures++;
        index = 0;
        Duration delay = backoff.delay(failures);
        log.debug("{}: attempt failed ({} in a row), retrying in {} ms: {}", what, failures, delay.toMillis(), failure.describe());
        try {
            handler.failed(failure);
        }
        catch (RuntimeException e) {
            log.error("{}: handling a failure failed", what, e);
        }
        if (stopped) {
            return;
        }
        backingOff = true;
        schedule(delay.toNanos());
    }

    /** Takes a token for the next read: 0 while the bucket has one, else the wait until it will. */
    private long paceAfterChange() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(BURST, tokens + (now - refilledAt) / (double) MIN_INTERVAL.toNanos());
        refilledAt = now;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * MIN_INTERVAL.toNanos());
    }

    private void schedule(long delayNanos) {
        if (stopped) {
            return;
        }
        timer = delayNanos <= 0 ? scheduler.schedule(this::poll) : scheduler.schedule(this::poll, delayNanos, TimeUnit.NANOSECONDS);
    }
}
