package dev.isthmus.model;

import java.time.Instant;

/**
 * A source's sync state as shown by {@code /actuator/sources} and the readiness group.
 *
 * @param version resource version, Consul index or file digest of the last good sync
 */
public record SyncStatus(String id, State state, Instant lastSync, Instant lastChange, String lastError,
        Instant lastErrorAt, String version, long syncErrors, String detail) {

    public enum State {
        /** Not yet synced once: readiness waits for this to change. */
        STARTING,
        /** Up to date with its backing system. */
        SYNCED,
        /** Backing system unreachable or failing: serving the last known good data. */
        DEGRADED,
        STOPPED
    }

    public boolean hasSynced() {
        return lastSync != null;
    }
}
