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

/**
 * Reports rejected ConfigMap routes (and unreadable keys) as Warning Events on their ConfigMap, so
 * {@code kubectl describe configmap} shows them: ConfigMaps have no status to write to. Each
 * problem is reported once: an Event's name is derived from the ConfigMap's uid and the problem,
 * so a replica that becomes the status writer later finds an existing Event (409) and only
 * refreshes its {@code lastTimestamp} instead of adding a duplicate. Called by the status writer,
 * so only the elected replica writes Events.
 */
public final class ConfigMapEventRecorder {

    private static final Logger log = LoggerFactory.getLogger(ConfigMapEventRecorder.class);
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final ConfigMapRouteSource configMaps;
    private final String reportingInstance;
    private final Set<String> reported = new HashSet<>();

    public ConfigMapEventRecorder(KubernetesClient client, ConfigMapRouteSource configMaps, String reportingInstance) {
        this.client = client;
        this.configMaps = configMaps;
        this.reportingInstance = reportingInstance;
    }

    /** @return false when an Event could not be written and the pass should be retried */
    synchronized boolean record(List<RouteStatus> statuses, Instant now) {
        boolean ok = true;
        Set<String> current = new HashSet<>();
        for (RouteStatus s : statuses) {
            if (s.accepted() || s.object().kind() != SourceKind.CONFIG_MAP) {
                continue;
            }
            ConfigMap cm = configMaps.cached(s.object().namespace(), s.object().name());
            if (cm == null) {
                continue;
            }
            String hash = hash(cm.getMetadata().getUid() + "|" + s.routeId() + "|" + s.reason() + "|" + s.message());
            current.add(hash);
            if (reported.contains(hash)) {
                continue;
            }
            if (write(cm, s, hash, now)) {
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

    private boolean write(ConfigMap cm, RouteStatus s, String hash, Instant now) {
        String namespace = cm.getMetadata().getNamespace();
        String cmName = cm.getMetadata().getName();
        String name = (cmName.length() > 200 ? cmName.substring(0, 200) : cmName) + "." + hash.substring(0, 16);
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        String message = (s.routeId() == null ? "" : "route " + s.routeId().substring(s.routeId().lastIndexOf('/') + 1) + ": ") + s.message();
        if (message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE - 3) + "...";
        }
        Event event = new EventBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("ConfigMap").withNamespace(namespace).withName(cmName)
                .withUid(cm.getMetadata().getUid()).withResourceVersion(cm.getMetadata().getResourceVersion()).endInvolvedObject()
                .withType("Warning").withReason(s.reason().value()).withMessage(message)
                .withNewSource().withComponent("isthmus").endSource()
                .withReportingComponent("isthmus.dev/gateway").withReportingInstance(reportingInstance)
                .withFirstTimestamp(time).withLastTimestamp(time).withCount(1)
                .build();
        try {
            client.v1().events().inNamespace(namespace).resource(event).create();
            log.debug("Event {} on ConfigMap {}/{}: {}", name, namespace, cmName, message);
            return true;
        }
        catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return refresh(namespace, name, time);
            }
            if (e.getCode() == 404) {
                return true; // namespace being deleted
            }
            log.warn("ConfigMap {}/{}: could not record an Event for '{}', will retry: {}", namespace, cmName, message,
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
