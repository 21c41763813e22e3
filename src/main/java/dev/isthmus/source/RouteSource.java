package dev.isthmus.source;

import java.util.Arrays;
import java.util.function.Consumer;

import dev.isthmus.model.SourceKind;
import dev.isthmus.model.SourceSnapshot;
import dev.isthmus.model.SyncStatus;

/**
 * A provider of routes. Once started it pushes a complete {@link SourceSnapshot} whenever its
 * routes change (never deltas, never on a timer), the first one as soon as its initial sync is done.
 * When its backing system becomes unreachable it keeps quiet (the aggregator keeps the last
 * snapshot) and reports itself degraded through {@link #status()}.
 */
public interface RouteSource {

    /** Stable id, also the label used in metrics and admin output: by convention its kind's label. */
    String id();

    /** The kind of objects this source reads; by default the kind whose label is the id. */
    default SourceKind kind() {
        return Arrays.stream(SourceKind.values()).filter(k -> k.label().equals(id())).findFirst()
                .orElseThrow(() -> new IllegalStateException("source " + id() + " must declare its kind"));
    }

    void start(Consumer<SourceSnapshot> sink);

    void stop();

    SyncStatus status();
}
