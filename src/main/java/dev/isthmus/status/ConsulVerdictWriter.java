package dev.isthmus.status;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.platform.DaemonThreads;
import dev.isthmus.platform.consul.Backoff;
import dev.isthmus.platform.consul.ConsulFailure;
import dev.isthmus.platform.consul.ConsulKv;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableListener;

/**
 * Writes each tag-routed Consul service's verdict ({@link ConsulVerdicts}) to Consul KV at
 * {@code <prefix>/<datacenter>/<service>}, while this replica is the elected status writer, and
 * deletes the key when the service no longer declares routes or is deregistered. A key is written
 * only when its verdict differs from the one last written (or, after this replica became the
 * writer, the one found in Consul), so a steady state costs no writes. Runs on its own thread: the
 * route compiler never waits for Consul. When Consul is unreachable or refuses, the whole pass is
 * retried with the watch's {@link Backoff}; the outage is logged once, and its end once.
 */
public final class ConsulVerdictWriter implements RouteTableListener, StatusWriterElection.Leadership, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsulVerdictWriter.class);

    private final ConsulKv kv;
    private final String prefix;
    private final String gateway;
    private final String sourceId;
    private final Backoff backoff;
    private final Supplier<Set<String>> readDatacenters;
    private final Clock clock = Clock.systemUTC();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("isthmus-consul-verdicts"));
    private volatile Map<String, ConsulVerdicts.Verdict> desired;
    private volatile boolean leader;
    /** What the KV store holds, as far as this replica knows; null until read after becoming the writer. */
    private Map<String, ConsulVerdicts.Verdict> stored;
    private int failures;
    private long writes;
    private long deletes;

    /**
     * @param prefix the KV prefix, without leading or trailing '/'
     * @param gateway this replica's name, in every document it writes
     * @param sourceId the Consul route source's id: a table without its snapshot says nothing about Consul services
     * @param readDatacenters the datacenters whose catalog the watch has read: only their keys may be deleted
     *     (a datacenter never read yet may well still have its services)
     */
    public ConsulVerdictWriter(ConsulKv kv, String prefix, String gateway, String sourceId, Backoff backoff,
            Supplier<Set<String>> readDatacenters) {
        this.kv = kv;
        this.prefix = prefix;
        this.gateway = gateway;
        this.sourceId = sourceId;
        this.backoff = backoff;
        this.readDatacenters = readDatacenters;
    }

    @Override
    public void tableSwapped(RouteTable table, RouteTable previous) {
        if (table.sources().contains(sourceId)) {
            desired = ConsulVerdicts.of(table.compileResult(), prefix);
            schedule();
        }
    }

    @Override
    public void leadershipChanged(boolean leader) {
        this.leader = leader;
        // whoever wrote meanwhile: the next pass as the writer reads the store again (queued before it)
        run(this::forget);
        schedule();
    }

    private synchronized void forget() {
        stored = null;
    }

    public boolean isLeader() {
        return leader;
    }

    /** KV writes made since start (tests and diagnostics: a steady state makes none). */
    public synchronized long writes() {
        return writes;
    }

    /** KV deletes made since start. */
    public synchronized long deletes() {
        return deletes;
    }

    private void schedule() {
        if (leader && scheduled.compareAndSet(false, true)) {
            run(this::passSafely);
        }
    }

    private void run(Runnable task) {
        try {
            executor.execute(task);
        }
        catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: shutting down, nothing more to write
        }
    }

    private void passSafely() {
        try {
            pass();
        }
        catch (ConsulFailure e) {
            retryLater(e);
        }
        catch (RuntimeException e) {
            // a bug must not stop verdict writing for good
            log.error("Writing route verdicts to Consul KV failed", e);
            retryLater(null);
        }
    }

    private synchronized void pass() {
        scheduled.set(false);
        Map<String, ConsulVerdicts.Verdict> want = desired;
        if (!leader || want == null) {
            return;
        }
        if (stored == null) {
            stored = readStored();
        }
        Set<String> datacenters = readDatacenters.get();
        for (Map.Entry<String, ConsulVerdicts.Verdict> e : want.entrySet()) {
            if (!leader) {
                return;
            }
            if (!stored.containsKey(e.getKey()) || !Objects.equals(stored.get(e.getKey()), e.getValue())) {
                kv.put(e.getKey(), ConsulVerdicts.document(e.getValue(), gateway, clock.instant())).block();
                stored.put(e.getKey(), e.getValue());
                writes++;
                log.debug("Consul KV {}: verdict written (accepted: {})", e.getKey(), e.getValue().accepted());
            }
        }
        for (String key : Set.copyOf(stored.keySet())) {
            if (!leader) {
                return;
            }
            if (!want.containsKey(key) && datacenters.contains(datacenter(key))) {
                kv.delete(key).block();
                stored.remove(key);
                deletes++;
                log.debug("Consul KV {}: verdict deleted (the service declares no routes any more)", key);
            }
        }
        if (failures > 0) {
            log.info("Writing route verdicts to Consul KV works again, after {} failed attempt(s)", failures);
        }
        failures = 0;
    }

    /**
     * The verdict keys under the prefix; an unreadable value maps to null (so it is overwritten).
     * Keys of every datacenter: whether one may be deleted is decided per pass, once its
     * datacenter has been read.
     */
    private Map<String, ConsulVerdicts.Verdict> readStored() {
        Map<String, ConsulVerdicts.Verdict> out = new HashMap<>();
        Map<String, byte[]> values = kv.list(prefix).block();
        if (values != null) {
            values.forEach((key, value) -> {
                if (datacenter(key) != null) {
                    out.put(key, ConsulVerdicts.read(value));
                }
            });
        }
        return out;
    }

    /** The datacenter of {@code <prefix>/<dc>/<service>}, or null for a key of another form. */
    private String datacenter(String key) {
        if (!key.startsWith(prefix + "/")) {
            return null;
        }
        String[] rest = key.substring(prefix.length() + 1).split("/", -1);
        return rest.length == 2 && !rest[0].isEmpty() && !rest[1].isEmpty() ? rest[0] : null;
    }

    private synchronized void retryLater(ConsulFailure failure) {
        failures++;
        Duration delay = backoff.delay(failures);
        if (failures == 1) {
            // once per outage: the retries that follow are quiet until one succeeds
            String hint = failure != null && failure.kind() == ConsulFailure.Kind.ACL
                    ? "; the gateway's token needs key_prefix \"" + prefix + "/\" { policy = \"write\" } (docs/consul.md)" : "";
            log.warn("Cannot write route verdicts to Consul KV ({}){}; retrying with backoff, routing is not affected",
                    failure == null ? "unexpected error" : failure.describe(), hint);
        }
        else {
            log.debug("Consul KV verdicts: attempt {} failed ({}); next in {} ms", failures,
                    failure == null ? "unexpected error" : failure.describe(), delay.toMillis());
        }
        if (!executor.isShutdown()) {
            executor.schedule(this::schedule, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
