package dev.isthmus.status;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.RouteStatus;
import dev.isthmus.discovery.ServiceResolver;
import dev.isthmus.model.SourceKind;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableListener;
import dev.isthmus.spec.GatewayRouteStatus;
import dev.isthmus.platform.kubernetes.KubernetesErrors;
import dev.isthmus.source.kubernetes.GatewayRouteSource;
import dev.isthmus.platform.DaemonThreads;

/**
 * Writes each served GatewayRoute's status (observedGeneration, Accepted, ResolvedRefs) through
 * the status subresource (a JSON patch setting the whole status), and Events for rejected
 * ConfigMap routes, while this replica is the elected status writer. It recomputes after every
 * routing table and every discovery change, and writes only the objects whose status differs
 * from what the API server has, so a steady state costs no writes at all. Runs on its own thread:
 * the route compiler never waits for the API server. Failed writes are retried with backoff;
 * objects deleted meanwhile are skipped.
 */
public final class GatewayRouteStatusWriter implements RouteTableListener, StatusWriterElection.Leadership, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatewayRouteStatusWriter.class);
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private record Compiled(List<RouteStatus> statuses, Map<String, CompiledRoute> accepted) {
    }

    /** A status this replica wrote, until the informer has seen it. */
    private record Written(String resourceVersionBefore, GatewayRouteStatus status) {
    }

    private final KubernetesClient client;
    private final GatewayRouteSource routes;
    private final RouteEventRecorder events;
    private final ServiceResolver resolver;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Written> written = new ConcurrentHashMap<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("isthmus-status-writer"));
    private volatile Compiled current;
    private volatile boolean leader;
    private int failures;
    private long writes;

    private volatile java.util.function.Function<dev.isthmus.compile.policy.BasicAuthPolicy.Htpasswd, String> credentialProblem = source -> null;

    public GatewayRouteStatusWriter(KubernetesClient client, GatewayRouteSource routes, RouteEventRecorder events, ServiceResolver resolver) {
        this.client = client;
        this.routes = routes;
        this.events = events;
        this.resolver = resolver;
    }

    /** Where auth.basic Secrets' problems come from ({@code CredentialStore::problem}); call {@link #discoveryChanged} when they change. */
    public void credentialProblems(java.util.function.Function<dev.isthmus.compile.policy.BasicAuthPolicy.Htpasswd, String> problems) {
        this.credentialProblem = problems;
        schedule();
    }

    @Override
    public void tableSwapped(RouteTable table, RouteTable previous) {
        compiled(table.compileResult());
    }

    /** The verdicts (and accepted routes) of the routing table now in service. */
    void compiled(CompileResult result) {
        Map<String, CompiledRoute> byId = new HashMap<>();
        result.routes().forEach(r -> byId.put(r.id(), r));
        this.current = new Compiled(result.statuses(), byId);
        schedule();
    }

    /** Instances changed somewhere: ResolvedRefs may have flipped. */
    public void discoveryChanged() {
        schedule();
    }

    @Override
    public void leadershipChanged(boolean leader) {
        this.leader = leader;
        if (leader) {
            schedule();
        }
        else {
            written.clear();
            events.forget();
        }
    }

    public boolean isLeader() {
        return leader;
    }

    /** Status writes made since start (tests and diagnostics: a steady state makes none). */
    public synchronized long writes() {
        return writes;
    }

    private void schedule() {
        if (leader && scheduled.compareAndSet(false, true)) {
            executor.execute(this::passSafely);
        }
    }

    private void passSafely() {
        try {
            pass();
        }
        catch (RuntimeException e) {
            // a bug must not stop status writing for good: log it, and try again later
            log.error("Writing route status failed; retrying in {} ms", MAX_BACKOFF_MILLIS, e);
            executor.schedule(this::schedule, MAX_BACKOFF_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void pass() {
        scheduled.set(false);
        Compiled c = current;
        if (!leader || c == null) {
            return;
        }
        boolean failed = false;
        Instant now = clock.instant();
        Set<String> objects = new HashSet<>();
        for (RouteStatus verdict : c.statuses()) {
            if (!leader) {
                return;
            }
            if (verdict.object().kind() == SourceKind.GATEWAY_ROUTE) {
                objects.add(verdict.object().namespace() + "/" + verdict.object().name());
                failed |= !write(c, verdict, now);
            }
        }
        written.keySet().retainAll(objects); // routes deleted or gone to another class
        failed |= !events.record(c.statuses(), now);
        if (failed) {
            long delay = Math.min(MAX_BACKOFF_MILLIS, 500L << Math.min(failures++, 6));
            executor.schedule(this::schedule, delay, TimeUnit.MILLISECONDS);
        }
        else {
            failures = 0;
        }
    }

    /** @return false when the write failed and should be retried */
    private boolean write(Compiled c, RouteStatus verdict, Instant now) {
        String namespace = verdict.object().namespace();
        String name = verdict.object().name();
        GenericKubernetesResource object = routes.cached(namespace, name);
        if (object == null || GatewayRouteSource.generation(object) != verdict.generation()) {
            return true; // deleted, or changed again: the table for its new generation follows
        }
        String key = namespace + "/" + name;
        GatewayRouteStatus current = currentStatus(key, object);
        CompiledRoute compiled = verdict.accepted() && verdict.routeId() != null ? c.accepted().get(verdict.routeId()) : null;
        GatewayRouteStatus desired = RouteConditions.desired(verdict, compiled, resolver::resolve, credentialProblem, current, now);
        if (RouteConditions.same(desired, current)) {
            return true;
        }
        // A JSON patch that sets the whole status: exactly this value, conditions list included.
        String patch = client.getKubernetesSerialization().asJson(List.of(Map.of("op", "add", "path", "/status", "value", desired)));
        try {
            client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(namespace).withName(name)
                    .subresource("status").patch(PatchContext.of(PatchType.JSON), patch);
            written.put(key, new Written(object.getMetadata().getResourceVersion(), desired));
            writes++;
            log.debug("GatewayRoute {}: status written: {}", key, patch);
            return true;
        }
        catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return true; // deleted meanwhile
            }
            log.warn("GatewayRoute {}: could not write its status, will retry: {}", key, KubernetesErrors.describe(e));
            return false;
        }
    }

    /**
     * The object's status as last seen; until the informer delivers a status this replica wrote,
     * the written one (so a pass right after a write neither writes it again nor moves its
     * transition times).
     */
    private GatewayRouteStatus currentStatus(String key, GenericKubernetesResource object) {
        Written w = written.get(key);
        if (w != null) {
            if (w.resourceVersionBefore().equals(object.getMetadata().getResourceVersion())) {
                return w.status();
            }
            written.remove(key);
        }
        Object status = object.getAdditionalProperties().get("status");
        if (status == null) {
            return null;
        }
        try {
            return client.getKubernetesSerialization().convertValue(status, GatewayRouteStatus.class);
        }
        catch (RuntimeException e) {
            return null; // unreadable: overwritten with a correct one
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
