package dev.isthmus.status;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.isthmus.platform.DaemonThreads;
import dev.isthmus.platform.LifecyclePhases;

/**
 * Elects the one replica that writes route status and Events, on a coordination.k8s.io Lease,
 * with fabric8's {@link LeaderElector}. A leader that shuts down releases the Lease, so another
 * replica takes over within a retry period; one that dies is replaced once the Lease expires.
 * <p>
 * A fabric8 elector runs once: when it loses the Lease (its renewals failed past the renew
 * deadline, e.g. the API server was unreachable) it ends for good. The loop around it, written
 * here because fabric8 has none, starts a fresh elector so the replica stands for election again.
 */
public final class StatusWriterElection implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(StatusWriterElection.class);

    /** Told when this replica starts and stops being the status writer. */
    public interface Leadership {
        void leadershipChanged(boolean leader);
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final String identity;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration retryPeriod;
    private final Leadership leadership;
    private final ExecutorService executor = Executors.newCachedThreadPool(DaemonThreads.named("isthmus-leader-election"));
    private final ScheduledExecutorService restarter = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("isthmus-leader-election-restart"));
    private volatile CompletableFuture<?> current;
    private volatile boolean running;
    private volatile boolean leader;
    private volatile String leaderIdentity;

    /**
     * @param leaseDuration how long a Lease holds without renewal: the longest a dead leader
     *     blocks the others. Renewal deadline and retry period follow from it in client-go's
     *     proportions (15 s / 10 s / 2 s).
     */
    public StatusWriterElection(KubernetesClient client, String namespace, String name, String identity, Duration leaseDuration,
            Leadership leadership) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.identity = identity;
        this.leaseDuration = leaseDuration;
        this.renewDeadline = leaseDuration.multipliedBy(2).dividedBy(3);
        this.retryPeriod = Duration.ofMillis(Math.max(100, leaseDuration.toMillis() * 2 / 15));
        this.leadership = leadership;
    }

    public String identity() {
        return identity;
    }

    public boolean isLeader() {
        return leader;
    }

    /** The holder this replica last saw, null when unknown. */
    public String leaderIdentity() {
        return leaderIdentity;
    }

    @Override
    public void start() {
        running = true;
        log.info("Standing for status writer on Lease {}/{} as {} (lease {} s)", namespace, name, identity, leaseDuration.toSeconds());
        elect();
    }

    private synchronized void elect() {
        if (!running) {
            return;
        }
        LeaderElector elector = new LeaderElector(client, new LeaderElectionConfigBuilder()
                .withName("isthmus-status-writer")
                .withLock(new LeaseLock(namespace, name, identity))
                .withLeaseDuration(leaseDuration)
                .withRenewDeadline(renewDeadline)
                .withRetryPeriod(retryPeriod)
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::started, this::stopped, this::newLeader))
                .build(), executor);
        CompletableFuture<?> future = elector.start();
        current = future;
        future.whenComplete((v, e) -> {
            if (!running) {
                return;
            }
            // Leadership lost (renewals failed) or the election errored: stand again, after a pause.
            log.warn("Status writer election on Lease {}/{} ended{}; standing again in {} ms", namespace, name,
                    e == null ? " (leadership lost)" : ": " + e, retryPeriod.toMillis());
            restarter.schedule(this::elect, retryPeriod.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private void started() {
        if (!leader) {
            leader = true;
            log.info("This replica ({}) is now the route status writer (Lease {}/{})", identity, namespace, name);
            leadership.leadershipChanged(true);
        }
    }

    private void stopped() {
        if (leader) {
            leader = false;
            log.info("This replica ({}) is no longer the route status writer", identity);
            leadership.leadershipChanged(false);
        }
    }

    private void newLeader(String holder) {
        leaderIdentity = holder == null || holder.isEmpty() ? null : holder;
        if (leaderIdentity != null && !identity.equals(leaderIdentity)) {
            log.info("Route status writer is {}", leaderIdentity);
        }
    }

    @Override
    public void stop() {
        running = false;
        CompletableFuture<?> f = current;
        if (f != null) {
            f.cancel(true); // releases the Lease if held (releaseOnCancel), so another replica takes over at once
        }
        stopped();
        restarter.shutdownNow();
        executor.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Starts last and stops first (before the web server's graceful shutdown), so a replica that
     * shuts down hands the Lease over at once, while its client can still release it.
     */
    @Override
    public int getPhase() {
        return LifecyclePhases.STATUS_WRITER_ELECTION;
    }
}
