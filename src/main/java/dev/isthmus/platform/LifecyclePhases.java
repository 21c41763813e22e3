package dev.isthmus.platform;

import org.springframework.context.SmartLifecycle;

/**
 * The start order of the gateway's {@link SmartLifecycle} beans, in one place. Lower phases start
 * first and stop last; Spring Boot's web server starts at {@code SmartLifecycle.DEFAULT_PHASE - 1024}
 * (its graceful shutdown at {@code DEFAULT_PHASE - 2048}), after all of these but the election.
 */
public final class LifecyclePhases {

    /** Registries and the demo upstream: their data is there before the first routes are compiled. */
    public static final int REGISTRIES = Integer.MIN_VALUE + 1000;

    /** Route sources: after the registries, before the web server, so the first request sees the first table. */
    public static final int ROUTE_SOURCES = Integer.MIN_VALUE + 2000;

    /** The status-writer election: starts last and stops first, so a leaving replica hands its Lease over at once. */
    public static final int STATUS_WRITER_ELECTION = Integer.MAX_VALUE - 512;

    private LifecyclePhases() {
    }
}
