package dev.isthmus.source;

import java.util.function.Consumer;

import dev.isthmus.model.SourceSnapshot;

/**
 * A provider of routes. Once started it pushes a complete {@link SourceSnapshot} whenever its
 * routes change (never deltas, never on a timer), the first one as soon as its initial sync is done.
 * When its backing system becomes unreachable it keeps quiet (the aggregator keeps the last
 * snapshot) and reports itself degraded through {@link #status()}.
 */
public interface RouteSource {

    /** Stable id, also the label used in metrics and admin output: {@code file}, {@code kubernetes}... */
    String id();

    void start(Consumer<SourceSnapshot> sink);

    void stop();

    SourceStatus status();
}
