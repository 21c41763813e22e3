package dev.isthmus.server;

/**
 * Told of every request the transport answers itself, before any route or web filter sees it
 * (408 on the header deadline, the HTTP codec's 400/414/431). The metrics implement it; the
 * server package knows nothing of them.
 */
@FunctionalInterface
public interface RequestOutcomes {

    RequestOutcomes NONE = outcome -> { };

    /** Called on an event-loop thread: must not block. */
    void answered(RequestOutcome outcome);
}
