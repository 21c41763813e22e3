package dev.isthmus.source;

import java.util.List;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.isthmus.model.SourceSnapshot;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.platform.LifecyclePhases;

/**
 * Starts every enabled route source with the aggregator as its sink, and stops them on shutdown.
 * Readiness asks it whether every source has completed its first sync.
 */
public final class RouteSources implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RouteSources.class);

    private final List<RouteSource> sources;
    private final Consumer<SourceSnapshot> sink;
    private volatile boolean running;

    public RouteSources(List<RouteSource> sources, Consumer<SourceSnapshot> sink) {
        this.sources = List.copyOf(sources);
        this.sink = sink;
    }

    public List<RouteSource> all() {
        return sources;
    }

    public List<SyncStatus> statuses() {
        return sources.stream().map(RouteSource::status).toList();
    }

    public boolean allSynced() {
        return sources.stream().allMatch(s -> s.status().hasSynced());
    }

    @Override
    public void start() {
        for (RouteSource source : sources) {
            log.info("Starting route source '{}'", source.id());
            source.start(sink);
        }
        running = true;
    }

    @Override
    public void stop() {
        for (RouteSource source : sources) {
            try {
                source.stop();
            }
            catch (RuntimeException e) {
                log.warn("Route source '{}' did not stop cleanly: {}", source.id(), e.toString());
            }
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // Before the web server starts, so the first requests already see the first table.
        return LifecyclePhases.ROUTE_SOURCES;
    }
}
