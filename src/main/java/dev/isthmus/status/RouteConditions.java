package dev.isthmus.status;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.WeightedBackend;
import dev.isthmus.compile.policy.BasicAuthPolicy;
import dev.isthmus.compile.policy.MirrorPolicy;
import dev.isthmus.compile.RouteStatus;
import dev.isthmus.discovery.Instance;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.GatewayRouteStatus;

/**
 * The status a GatewayRoute should have, from the compile verdict and the backends' instances
 * now: conditions {@code Accepted} and {@code ResolvedRefs}, following the Kubernetes condition
 * conventions. A condition's {@code lastTransitionTime} moves only when its status flips; other
 * controllers' condition types are kept. Pure: the writer compares the result with the object's
 * status and writes only when they differ.
 */
public final class RouteConditions {

    /** Condition types. Their reasons are {@link ConditionReason}s. */
    public static final String ACCEPTED = "Accepted";
    public static final String RESOLVED_REFS = "ResolvedRefs";

    private static final int MAX_MESSAGE = 32 * 1024; // metav1.Condition's limit

    private RouteConditions() {
    }

    /**
     * @param verdict the route's compile verdict
     * @param compiled the compiled route when accepted, else null
     * @param resolve a service's routable instances now
     * @param current the object's status now, or null
     */
    public static GatewayRouteStatus desired(RouteStatus verdict, CompiledRoute compiled, Function<BackendTarget.Service, List<Instance>> resolve,
            GatewayRouteStatus current, Instant now) {
        return desired(verdict, compiled, resolve, source -> null, current, now);
    }

    /**
     * @param credentialProblem what keeps users of an auth.basic Secret from logging in (never its
     *        content), or null: a Secret that is missing, forbidden or holds no usable entry makes
     *        ResolvedRefs False with reason InvalidSecret
     */
    public static GatewayRouteStatus desired(RouteStatus verdict, CompiledRoute compiled, Function<BackendTarget.Service, List<Instance>> resolve,
            Function<BasicAuthPolicy.Htpasswd, String> credentialProblem, GatewayRouteStatus current, Instant now) {
        long generation = verdict.generation();
        Condition accepted = condition(ACCEPTED, verdict.accepted(), verdict.reason(), verdict.message(), generation);
        Condition resolved;
        if (!verdict.accepted() || compiled == null) {
            resolved = new ConditionBuilder().withType(RESOLVED_REFS).withStatus("Unknown").withReason(ConditionReason.NOT_ACCEPTED.value())
                    .withMessage("backends are resolved once the route is accepted").withObservedGeneration(generation).build();
        }
        else {
            List<String> missing = unresolved(compiled, resolve);
            BasicAuthPolicy basic = compiled.policy(BasicAuthPolicy.class);
            String secret = basic == null || basic.source() == null || !basic.source().isSecret() ? null : credentialProblem.apply(basic.source());
            if (secret != null) {
                missing.add(0, "auth.basic " + basic.source() + ": " + secret);
                resolved = condition(RESOLVED_REFS, false, ConditionReason.INVALID_SECRET, String.join("; ", missing), generation);
            }
            else {
                resolved = missing.isEmpty() ? condition(RESOLVED_REFS, true, ConditionReason.RESOLVED_REFS, null, generation)
                        : condition(RESOLVED_REFS, false, ConditionReason.BACKEND_NOT_FOUND, String.join("; ", missing), generation);
            }
        }
        List<Condition> conditions = new ArrayList<>();
        conditions.add(withTransitionTime(accepted, current, now));
        conditions.add(withTransitionTime(resolved, current, now));
        if (current != null && current.conditions() != null) {
            for (Condition other : current.conditions()) {
                if (!ACCEPTED.equals(other.getType()) && !RESOLVED_REFS.equals(other.getType())) {
                    conditions.add(other);
                }
            }
        }
        return new GatewayRouteStatus(generation, conditions);
    }

    /** Whether two statuses say the same (condition order and representation aside), so no write is needed. */
    public static boolean same(GatewayRouteStatus a, GatewayRouteStatus b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (!Objects.equals(a.observedGeneration(), b.observedGeneration())) {
            return false;
        }
        List<Condition> ca = a.conditions() == null ? List.of() : a.conditions();
        List<Condition> cb = b.conditions() == null ? List.of() : b.conditions();
        if (ca.size() != cb.size()) {
            return false;
        }
        for (Condition x : ca) {
            Condition y = find(cb, x.getType());
            if (y == null || !Objects.equals(x.getStatus(), y.getStatus()) || !Objects.equals(x.getReason(), y.getReason())
                    || !Objects.equals(Objects.toString(x.getMessage(), ""), Objects.toString(y.getMessage(), ""))
                    || !Objects.equals(x.getObservedGeneration(), y.getObservedGeneration())
                    || !sameTime(x.getLastTransitionTime(), y.getLastTransitionTime())) {
                return false;
            }
        }
        return true;
    }

    /** Each service backend (and the mirror) with no routable instance: {@code service quote-canary: no instances}. */
    static List<String> unresolved(CompiledRoute route, Function<BackendTarget.Service, List<Instance>> resolve) {
        List<String> missing = new ArrayList<>();
        for (WeightedBackend b : route.backends()) {
            if (b.weight() > 0 && b.target() instanceof BackendTarget.Service s && resolve.apply(s).isEmpty()) {
                missing.add("service " + describe(s) + ": no instances");
            }
        }
        MirrorPolicy mirror = route.policy(MirrorPolicy.class);
        if (mirror != null && mirror.target() instanceof BackendTarget.Service s && resolve.apply(s).isEmpty()) {
            missing.add("mirror service " + describe(s) + ": no instances");
        }
        return missing;
    }

    /** The service as its author wrote it: an unqualified name stays unqualified. */
    private static String describe(BackendTarget.Service s) {
        String name = s.registry() == BackendTarget.Registry.ANY ? s.name() : s.display();
        return s.port() == null ? name : name + " (port " + s.port() + ")";
    }

    private static Condition condition(String type, boolean ok, ConditionReason reason, String message, long generation) {
        String text = message == null ? "" : message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
        return new ConditionBuilder().withType(type).withStatus(ok ? "True" : "False").withReason(reason.value()).withMessage(text)
                .withObservedGeneration(generation).build();
    }

    private static Condition withTransitionTime(Condition desired, GatewayRouteStatus current, Instant now) {
        Condition before = current == null || current.conditions() == null ? null : find(current.conditions(), desired.getType());
        String time = before != null && Objects.equals(before.getStatus(), desired.getStatus()) && before.getLastTransitionTime() != null
                ? before.getLastTransitionTime() : now.truncatedTo(ChronoUnit.SECONDS).toString();
        return new ConditionBuilder(desired).withLastTransitionTime(time).build();
    }

    private static Condition find(List<Condition> conditions, String type) {
        for (Condition c : conditions) {
            if (Objects.equals(c.getType(), type)) {
                return c;
            }
        }
        return null;
    }

    private static boolean sameTime(String a, String b) {
        if (Objects.equals(a, b)) {
            return true;
        }
        try {
            return a != null && b != null && Instant.parse(a).equals(Instant.parse(b));
        }
        catch (DateTimeParseException e) {
            return false;
        }
    }
}
