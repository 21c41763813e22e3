package dev.isthmus.platform.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.platform.DaemonThreads;

/**
 * Tells sources when their watch on the API server is lost and when it is back. fabric8
 * re-establishes a broken watch by itself (with backoff) and reports that only through
 * {@code SharedIndexInformer.isWatching()}, with no callback, so this checks that flag a few times a
 * second. It reads local state only and never calls the API server: routes and endpoints still
 * arrive by watch, this only drives the DEGRADED/SYNCED state and the operator's log lines.
 * A watch is reported lost once it has been down longer than {@code grace}, so the routine
 * reconnect of a watch the API server timed out (every few minutes) is not an outage.
 */
public final class WatchMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WatchMonitor.class);

    private final Duration grace;
    private final List<Watched> watched = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("isthmus-kubernetes-watch-monitor"));

    public WatchMonitor(Duration period, Duration grace) {
        this.grace = grace;
        timer.scheduleWithFixedDelay(this::check, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Starts following a watch that has synced once.
     *
     * @return stops following it (when its informers are stopped, so a shutdown is no outage)
     */
    public Runnable follow(String what, BooleanSupplier watching, Runnable onLost, Runnable onResumed) {
        Watched w = new Watched(what, watching, onLost, onResumed);
        watched.add(w);
        return () -> watched.remove(w);
    }

    private void check() {
        long now = System.nanoTime();
        for (Watched w : watched) {
            try {
                w.check(now, grace.toNanos());
            }
            catch (RuntimeException e) {
                log.error("Watch state handler for {} failed", w.what, e);
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private static final class Watched {
        final String what;
        final BooleanSupplier watching;
        final Runnable onLost;
        final Runnable onResumed;
        long downSince = -1;
        boolean lost;

        Watched(String what, BooleanSupplier watching, Runnable onLost, Runnable onResumed) {
            this.what = what;
            this.watching = watching;
            this.onLost = onLost;
            this.onResumed = onResumed;
        }

        void check(long now, long graceNanos) {
            if (watching.getAsBoolean()) {
                downSince = -1;
                if (lost) {
                    lost = false;
                    onResumed.run();
                }
                return;
            }
            if (downSince < 0) {
                downSince = now;
            }
            if (!lost && now - downSince >= graceNanos) {
                lost = true;
                onLost.run();
            }
        }
    }
}
