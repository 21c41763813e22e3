package dev.isthmus.status;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.model.SourceKind;
import dev.isthmus.platform.DaemonThreads;
import dev.isthmus.platform.kubernetes.KubernetesErrors;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableListener;
import dev.isthmus.source.gatewayapi.GatewayApiRouteSource;
import dev.isthmus.source.gatewayapi.GatewayApiTranslation;

/**
 * Writes the status of served GatewayClasses, Gateways and HTTPRoutes, while this replica is the
 * elected status writer (the same Lease as GatewayRoute status). The desired status is the last
 * translation's, with the compile verdicts folded into each HTTPRoute's; a condition keeps its
 * {@code lastTransitionTime} while its status stays. Only objects whose status differs from what
 * the API server has are written, through the status subresource, so a steady state costs no
 * writes. An HTTPRoute's {@code status.parents} entries of other controllers are kept, and the
 * patch tests the resource version it was computed from, so a concurrent write by another
 * controller is never overwritten (it is retried from the fresh object). Runs on its own thread;
 * failed writes are retried with backoff.
 */
public final class GatewayApiStatusWriter implements RouteTableListener, StatusWriterElection.Leadership, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatewayApiStatusWriter.class);
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    /** A status this replica wrote, until the informer has seen it. */
    private record Written(String resourceVersionBefore, Object status) {
    }

    private final KubernetesClient client;
    private final GatewayApiRouteSource source;
    private final String controllerName;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Written> written = new ConcurrentHashMap<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("isthmus-gateway-api-status"));
    private volatile GatewayApiTranslation translation;
    private volatile Map<String, RouteStatus> verdicts = Map.of();
    private volatile boolean leader;
    private int failures;
    private long writes;
    /** HTTPRoutes this replica wrote a parent status into: ours are removed when they stop being parents. */
    private final Set<String> routesWithOurStatus = ConcurrentHashMap.newKeySet();

    public GatewayApiStatusWriter(KubernetesClient client, GatewayApiRouteSource source) {
        this.client = client;
        this.source = source;
        this.controllerName = source.settings().controllerName();
        source.addTranslationListener(this::translated);
    }

    void translated(GatewayApiTranslation t) {
        this.translation = t;
        schedule();
    }

    @Override
    public void tableSwapped(RouteTable table, RouteTable previous) {
        Map<String, RouteStatus> byId = new HashMap<>();
        for (RouteStatus s : table.compileResult().statuses()) {
            if (s.object().kind() == SourceKind.HTTP_ROUTE && s.routeId() != null) {
                byId.put(s.routeId(), s);
            }
        }
        verdicts = byId;
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
        }
    }

    /** Status writes made since start (tests: a steady state makes none). */
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
            log.error("Writing Gateway API status failed; retrying in {} ms", MAX_BACKOFF_MILLIS, e);
            executor.schedule(this::schedule, MAX_BACKOFF_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void pass() {
        scheduled.set(false);
        GatewayApiTranslation t = translation;
        if (!leader || t == null) {
            return;
        }
        Instant now = clock.instant();
        boolean failed = false;
        for (var e : t.classes().entrySet()) {
            GatewayClass cached = source.cachedClass(e.getKey());
            if (cached != null) {
                GatewayClassStatus current = cached.getStatus();
                GatewayClassStatus desired = new GatewayClassStatusBuilder(e.getValue())
                        .withConditions(withTimes(e.getValue().getConditions(), current == null ? null : current.getConditions(), now)).build();
                failed |= !write(cached, "gatewayclasses", current, desired, false);
            }
        }
        for (var e : t.gateways().entrySet()) {
            String[] key = e.getKey().split("/", 2);
            Gateway cached = source.cachedGateway(key[0], key[1]);
            if (cached != null) {
                failed |= !write(cached, "gateways", cached.getStatus(), gatewayStatus(e.getValue(), cached.getStatus(), now), false);
            }
        }
        Set<String> routeKeys = new HashSet<>(t.routes().keySet());
        for (var e : t.routes().entrySet()) {
            String[] key = e.getKey().split("/", 2);
            HTTPRoute cached = source.cachedRoute(key[0], key[1]);
            if (cached == null || !Objects.equals(cached.getMetadata().getGeneration(), generationOf(e.getValue()))) {
                continue; // deleted, or changed again: the translation of its new generation follows
            }
            HTTPRouteStatus folded = CompileVerdicts.fold(e.getValue(), t.routeIds().getOrDefault(e.getKey(), List.of()), verdicts);
            failed |= !write(cached, "httproutes", cached.getStatus(), routeStatus(folded, cached.getStatus(), now), true);
            routesWithOurStatus.add(e.getKey());
        }
        for (String key : List.copyOf(routesWithOurStatus)) {
            if (!routeKeys.contains(key)) {
                String[] k = key.split("/", 2);
                HTTPRoute cached = source.cachedRoute(k[0], k[1]);
                if (cached == null || write(cached, "httproutes", cached.getStatus(),
                        routeStatus(new HTTPRouteStatusBuilder().build(), cached.getStatus(), now), true)) {
                    routesWithOurStatus.remove(key);
                }
                else {
                    failed = true;
                }
            }
        }
        if (failed) {
            long delay = Math.min(MAX_BACKOFF_MILLIS, 250L << Math.min(failures++, 7));
            executor.schedule(this::schedule, delay, TimeUnit.MILLISECONDS);
        }
        else {
            failures = 0;
        }
    }

    /** The generation a translated status is about (every condition of it carries the same). */
    private static Long generationOf(HTTPRouteStatus status) {
        return status.getParents().stream().flatMap(p -> p.getConditions().stream()).map(Condition::getObservedGeneration)
                .findFirst().orElse(null);
    }

    private GatewayStatus gatewayStatus(GatewayStatus desired, GatewayStatus current, Instant now) {
        List<ListenerStatus> listeners = new ArrayList<>();
        for (ListenerStatus l : desired.getListeners()) {
            ListenerStatus before = current == null || current.getListeners() == null ? null
                    : current.getListeners().stream().filter(x -> Objects.equals(x.getName(), l.getName())).findFirst().orElse(null);
            listeners.add(new ListenerStatusBuilder(l).withConditions(withTimes(l.getConditions(), before == null ? null : before.getConditions(), now))
                    .build());
        }
        return new GatewayStatusBuilder(desired).withConditions(withTimes(desired.getConditions(), current == null ? null : current.getConditions(), now))
                .withListeners(listeners).build();
    }

    /** Our parents as translated (with kept transition times), after the other controllers' entries. */
    private HTTPRouteStatus routeStatus(HTTPRouteStatus desired, HTTPRouteStatus current, Instant now) {
        List<RouteParentStatus> parents = new ArrayList<>();
        List<RouteParentStatus> before = current == null || current.getParents() == null ? List.of() : current.getParents();
        for (RouteParentStatus p : before) {
            if (!controllerName.equals(p.getControllerName())) {
                parents.add(p);
            }
        }
        for (RouteParentStatus p : desired.getParents()) {
            RouteParentStatus old = before.stream().filter(x -> controllerName.equals(x.getControllerName()) && sameRef(x, p)).findFirst().orElse(null);
            parents.add(new RouteParentStatusBuilder(p).withConditions(withTimes(p.getConditions(), old == null ? null : old.getConditions(), now))
                    .build());
        }
        return new HTTPRouteStatusBuilder().withParents(parents).build();
    }

    private static boolean sameRef(RouteParentStatus a, RouteParentStatus b) {
        var x = a.getParentRef();
        var y = b.getParentRef();
        return x != null && y != null && Objects.equals(x.getName(), y.getName()) && Objects.equals(x.getNamespace(), y.getNamespace())
                && Objects.equals(x.getSectionName(), y.getSectionName()) && Objects.equals(x.getPort(), y.getPort());
    }

    /** Each condition with the transition time it had while its status was the same, else now. */
    static List<Condition> withTimes(List<Condition> desired, List<Condition> current, Instant now) {
        List<Condition> out = new ArrayList<>();
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        for (Condition d : desired) {
            Condition before = current == null ? null
                    : current.stream().filter(c -> Objects.equals(c.getType(), d.getType())).findFirst().orElse(null);
            String t = before != null && Objects.equals(before.getStatus(), d.getStatus()) && before.getLastTransitionTime() != null
                    ? before.getLastTransitionTime() : time;
            out.add(new ConditionBuilder(d).withLastTransitionTime(t).build());
        }
        return out;
    }

    /**
     * @param guarded test the resource version the status was computed from (objects other
     *     controllers write status into too)
     * @return false when the write failed and should be retried
     */
    private boolean write(HasMetadata cached, String resource, Object current, Object desired, boolean guarded) {
        String key = (cached.getMetadata().getNamespace() == null ? "" : cached.getMetadata().getNamespace() + "/") + resource + "/"
                + cached.getMetadata().getName();
        Written w = written.get(key);
        String rv = cached.getMetadata().getResourceVersion();
        if (w != null) {
            if (w.resourceVersionBefore().equals(rv)) {
                current = w.status(); // the informer has not delivered our write yet
            }
            else {
                written.remove(key);
            }
        }
        if (same(current, desired)) {
            return true;
        }
        if (w != null && w.resourceVersionBefore().equals(rv) && guarded) {
            return false; // our last write is not in the cache yet: its resource version would fail the test
        }
        List<Map<String, Object>> ops = new ArrayList<>();
        if (guarded) {
            ops.add(Map.of("op", "test", "path", "/metadata/resourceVersion", "value", rv));
        }
        ops.add(Map.of("op", "add", "path", "/status", "value", desired));
        String patch = client.getKubernetesSerialization().asJson(ops);
        try {
            var op = cached instanceof GatewayClass ? client.resources(GatewayClass.class).withName(cached.getMetadata().getName())
                    : cached instanceof Gateway ? client.resources(Gateway.class).inNamespace(cached.getMetadata().getNamespace())
                            .withName(cached.getMetadata().getName())
                            : client.resources(HTTPRoute.class).inNamespace(cached.getMetadata().getNamespace()).withName(cached.getMetadata().getName());
            op.subresource("status").patch(PatchContext.of(PatchType.JSON), patch);
            written.put(key, new Written(rv, desired));
            synchronized (this) {
                writes++;
            }
            log.debug("{}: status written: {}", key, patch);
            return true;
        }
        catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return true; // deleted meanwhile
            }
            if (e.getCode() == 409 || e.getCode() == 422) {
                log.debug("{}: changed since it was read; writing its status again from the fresh object", key);
                return false;
            }
            log.warn("{}: could not write its status, will retry: {}", key, KubernetesErrors.describe(e));
            return false;
        }
    }

    private boolean same(Object current, Object desired) {
        if (current == null) {
            return false;
        }
        JsonNode a = client.getKubernetesSerialization().convertValue(current, JsonNode.class);
        JsonNode b = client.getKubernetesSerialization().convertValue(desired, JsonNode.class);
        return a.equals(b);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
