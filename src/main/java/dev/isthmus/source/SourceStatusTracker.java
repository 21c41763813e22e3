package dev.isthmus.source;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import dev.isthmus.source.SourceStatus.State;

/** Thread-safe holder of one source's {@link SourceStatus}, updated by the source as it syncs. */
public final class SourceStatusTracker {

    private final AtomicReference<SourceStatus> current;
    private final Clock clock;

    public SourceStatusTracker(String id) {
        this(id, Clock.systemUTC());
    }

    public SourceStatusTracker(String id, Clock clock) {
        this.clock = clock;
        this.current = new AtomicReference<>(new SourceStatus(id, State.STARTING, null, null, null, null, null, 0, null));
    }

    public SourceStatus get() {
        return current.get();
    }

    /** A successful sync; {@code changed} when it produced a different snapshot. */
    public void synced(String version, boolean changed, String detail) {
        Instant now = clock.instant();
        current.updateAndGet(s -> new SourceStatus(s.id(), State.SYNCED, now, changed || s.lastChange() == null ? now : s.lastChange(),
                s.lastError(), s.lastErrorAt(), version, s.syncErrors(), detail));
    }

    /** A failed sync or lost connection: keeps serving the last good data. */
    public void failed(String error) {
        Instant now = clock.instant();
        current.updateAndGet(s -> new SourceStatus(s.id(), s.state() == State.STOPPED ? State.STOPPED : s.hasSynced() ? State.DEGRADED : State.STARTING,
                s.lastSync(), s.lastChange(), error, now, s.version(), s.syncErrors() + 1, s.detail()));
    }

    public void stopped() {
        current.updateAndGet(s -> new SourceStatus(s.id(), State.STOPPED, s.lastSync(), s.lastChange(), s.lastError(),
                s.lastErrorAt(), s.version(), s.syncErrors(), s.detail()));
    }
}
