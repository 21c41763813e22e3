package dev.isthmus.model;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import dev.isthmus.model.SyncStatus.State;

/**
 * Thread-safe holder of one source's or watch's {@link SyncStatus}, updated as it syncs. The state
 * machine of the last-known-good rule (docs/design.md §2) lives here: STARTING until the first sync, SYNCED,
 * DEGRADED while the backing system (or part of it) fails and the last good data is served, STOPPED.
 */
public final class SyncStatusTracker {

    private final AtomicReference<SyncStatus> current;
    private final Clock clock;

    public SyncStatusTracker(String id) {
        this(id, Clock.systemUTC());
    }

    public SyncStatusTracker(String id, Clock clock) {
        this.clock = clock;
        this.current = new AtomicReference<>(new SyncStatus(id, State.STARTING, null, null, null, null, null, 0, null));
    }

    public SyncStatus get() {
        return current.get();
    }

    /** A successful sync; {@code changed} when it produced a different snapshot. */
    public void synced(String version, boolean changed, String detail) {
        Instant now = clock.instant();
        current.updateAndGet(s -> new SyncStatus(s.id(), State.SYNCED, now, changed || s.lastChange() == null ? now : s.lastChange(),
                s.lastError(), s.lastErrorAt(), version, s.syncErrors(), detail));
    }

    /**
     * A sync that put fresh data in service while part of the backing system fails (a Consul
     * datacenter of several): in service, but DEGRADED, with every failure as the last error.
     */
    public void degraded(String version, boolean changed, String detail, List<String> failures) {
        if (failures.isEmpty()) {
            synced(version, changed, detail);
            return;
        }
        Instant now = clock.instant();
        String error = String.join("; ", failures);
        current.updateAndGet(s -> s.state() == State.STOPPED ? s : new SyncStatus(s.id(), State.DEGRADED, now,
                changed || s.lastChange() == null ? now : s.lastChange(), error, now, version,
                s.syncErrors() + (error.equals(s.lastError()) && s.state() == State.DEGRADED ? 0 : failures.size()), detail));
    }

    /** A failed sync or lost connection: keeps serving the last good data. */
    public void failed(String error) {
        Instant now = clock.instant();
        current.updateAndGet(s -> new SyncStatus(s.id(), s.state() == State.STOPPED ? State.STOPPED : s.hasSynced() ? State.DEGRADED : State.STARTING,
                s.lastSync(), s.lastChange(), error, now, s.version(), s.syncErrors() + 1, s.detail()));
    }

    public void stopped() {
        current.updateAndGet(s -> new SyncStatus(s.id(), State.STOPPED, s.lastSync(), s.lastChange(), s.lastError(),
                s.lastErrorAt(), s.version(), s.syncErrors(), s.detail()));
    }
}
