package dev.isthmus.status;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.model.SourceKind;
import dev.isthmus.platform.kubernetes.KubernetesErrors;
import dev.isthmus.source.kubernetes.ConfigMapRouteSource;
import dev.isthmus.source.kubernetes.GatewayRouteSource;

/**
 * Reports rejected routes as Warning Events on their object: ConfigMap routes (and unreadable
 * keys), which have no status to write to, so {@code kubectl describe configmap} shows them; and
 * GatewayRoutes, besides their status, so a route refused for ownership ({@code HostClaimed},
 * {@code RefNotPermitted}, {@code QuotaExceeded}...) shows in {@code kubectl get events} and alerts
 * built on Events. Each problem is reported once: an Event's name is derived from the object's uid and the problem,
 * so a replica that becomes the status writer later finds an existing Event (409) and only
 * refreshes its {@code lastTimestamp} instead of adding a duplicate. Called by the status writer,
 * so only the elected replica writes Events.
 */
public final class RouteEventRecorder {

    private static final Logger log = LoggerFactory.getLogger(RouteEventRecorder.class);
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final ConfigMapRouteSource configMaps;
    private final GatewayRouteSource gatewayRoutes;
    private final String reportingInstance;
    private final Set<String> reported = new HashSet<>();

    /** The object an Event is about. */
    private record Involved(String apiVersion, String kind, String namespace, String name, String uid, String resourceVersion) {
    }

    public RouteEventRecorder(KubernetesClient client, ConfigMapRouteSource configMaps, GatewayRouteSource gatewayRoutes,
            String reportingInstance) {
        this.client = client;
        this.configMaps = configMaps;
        this.gatewayRoutes = gatewayRoutes;
        this.reportingInstance = reportingInstance;
    }

    /** @return false when an Event could not be written and the pass should be retried */
    synchronized boolean record(List<RouteStatus> statuses, Instant now) {
        boolean ok = true;
        Set<String> current = new HashSet<>();
        for (RouteStatus s : statuses) {
            if (s.accepted()) {
                continue;
            }
            Involved object = involved(s);
            if (object == null) {
                continue;
            }
            String hash = hash(object.uid() + "|" + s.routeId() + "|" + s.reason() + "|" + s.message());
            current.add(hash);
            if (reported.contains(hash)) {
                continue;
            }
            if (write(object, s, hash, now)) {
                reported.add(hash);
            }
            else {
                ok = false;
            }
        }
        reported.retainAll(current); // a problem fixed and then made again is reported again
        return ok;
    }

    /** Leadership lost: the next writer decides what to report. */
    synchronized void forget() {
        reported.clear();
    }

    /** The cached object a rejected route came from, if it is a ConfigMap or GatewayRoute still there (at that generation). */
    private Involved involved(RouteStatus s) {
        if (s.object().kind() == SourceKind.CONFIG_MAP) {
            ConfigMap cm = configMaps.cached(s.object().namespace(), s.object().name());
            return cm == null ? null : new Involved("v1", "ConfigMap", cm.getMetadata().getNamespace(), cm.getMetadata().getName(),
                    cm.getMetadata().getUid(), cm.getMetadata().getResourceVersion());
        }
        if (s.object().kind() == SourceKind.GATEWAY_ROUTE && gatewayRoutes != null) {
            GenericKubernetesResource gr = gatewayRoutes.cached(s.object().namespace(), s.object().name());
            return gr == null || GatewayRouteSource.generation(gr) != s.generation() ? null
                    : new Involved(gr.getApiVersion(), "GatewayRoute", gr.getMetadata().getNamespace(), gr.getMetadata().getName(),
                            gr.getMetadata().getUid(), gr.getMetadata().getResourceVersion());
        }
        return null;
    }

    private boolean write(Involved o, RouteStatus s, String hash, Instant now) {
        String namespace = o.namespace();
        String cmName = o.name();
        String name = (cmName.length() > 200 ? cmName.substring(0, 200) : cmName) + "." + hash.substring(0, 16);
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        String message = (s.routeId() == null || !"ConfigMap".equals(o.kind()) ? ""
                : "route " + s.routeId().substring(s.routeId().lastIndexOf('/') + 1) + ": ") + s.message();
        if (message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE - 3) + "...";
        }
        Event event = new EventBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewInvolvedObject().withApiVersion(o.apiVersion()).withKind(o.kind()).withNamespace(namespace).withName(cmName)
                .withUid(o.uid()).withResourceVersion(o.resourceVersion()).endInvolvedObject()
                .withType("Warning").withReason(s.reason().value()).withMessage(message)
                .withNewSource().withComponent("isthmus").endSource()
                .withReportingComponent("isthmus.dev/gateway").withReportingInstance(reportingInstance)
                .withFirstTimestamp(time).withLastTimestamp(time).withCount(1)
                .build();
        try {
            client.v1().events().inNamespace(namespace).resource(event).create();
            log.debug("Event {} on {} {}/{}: {}", name, o.kind(), namespace, cmName, message);
            return true;
        }
        catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return refresh(namespace, name, time);
            }
            if (e.getCode() == 404) {
                return true; // namespace being deleted
            }
            log.warn("{} {}/{}: could not record an Event for '{}', will retry: {}", o.kind(), namespace, cmName, message,
                    KubernetesErrors.describe(e));
            return false;
        }
    }

    /** The problem was reported before (by this or another replica): mark it as still current. */
    private boolean refresh(String namespace, String name, String time) {
        try {
            client.v1().events().inNamespace(namespace).withName(name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"lastTimestamp\":\"" + time + "\"}");
            return true;
        }
        catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return true;
            }
            log.warn("Event {}/{}: could not refresh it: {}", namespace, name, KubernetesErrors.describe(e));
            return false;
        }
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
