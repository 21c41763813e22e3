package dev.isthmus.status;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.source.gatewayapi.GatewayConditions;
import dev.isthmus.source.gatewayapi.GatewayReason;

import static dev.isthmus.source.gatewayapi.GatewayConditions.ACCEPTED;
import static dev.isthmus.source.gatewayapi.GatewayConditions.PARTIALLY_INVALID;

/**
 * Folds the compile step's verdicts on an HTTPRoute's Isthmus routes into its status: what the
 * translator accepted can still fail the compiler's checks (a regular expression RE2 cannot
 * compile, a hostname it refuses). Those rules are not served: the route becomes partly invalid,
 * or not accepted when nothing of it is served. A route that loses to an identical match of a
 * higher-priority rule ({@code Conflicted}) is not a rejection: the Gateway API's precedence
 * decided it.
 */
public final class CompileVerdicts {

    private CompileVerdicts() {
    }

    public static HTTPRouteStatus fold(HTTPRouteStatus status, List<String> routeIds, Map<String, RouteStatus> verdicts) {
        List<String> rejected = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        int served = 0;
        for (String id : routeIds) {
            RouteStatus v = verdicts.get(id);
            if (v == null) {
                continue;
            }
            if (v.accepted() || v.reason() == ConditionReason.CONFLICTED) {
                served++;
            }
            else {
                String verdict = id.substring(id.indexOf("/rule-") + 1) + ": " + v.reason() + ": " + v.message();
                rejected.add(verdict);
                if (v.reason() == ConditionReason.NOT_ALLOWED_BACKEND || v.reason() == ConditionReason.REF_NOT_PERMITTED) {
                    refused.add(verdict);
                }
            }
        }
        if (rejected.isEmpty()) {
            return status;
        }
        String message = String.join("; ", rejected);
        List<RouteParentStatus> parents = new ArrayList<>();
        for (RouteParentStatus p : status.getParents()) {
            List<Condition> conditions = new ArrayList<>(p.getConditions());
            refusedRefs(conditions, refused);
            Condition accepted = conditions.stream().filter(c -> ACCEPTED.equals(c.getType())).findFirst().orElse(null);
            if (accepted != null && "True".equals(accepted.getStatus())) {
                Long gen = accepted.getObservedGeneration();
                if (served == 0) {
                    conditions.set(conditions.indexOf(accepted), GatewayConditions.condition(ACCEPTED, false, GatewayReason.UNSUPPORTED_VALUE, message, gen));
                }
                else {
                    Condition partly = conditions.stream().filter(c -> PARTIALLY_INVALID.equals(c.getType())).findFirst().orElse(null);
                    String text = partly == null ? "rules not served: " + message : partly.getMessage() + "; " + message;
                    Condition replacement = GatewayConditions.condition(PARTIALLY_INVALID, true, GatewayReason.UNSUPPORTED_VALUE, text, gen);
                    if (partly == null) {
                        conditions.add(replacement);
                    }
                    else {
                        conditions.set(conditions.indexOf(partly), replacement);
                    }
                }
            }
            parents.add(new RouteParentStatusBuilder(p).withConditions(conditions).build());
        }
        return new HTTPRouteStatusBuilder(status).withParents(parents).build();
    }

    /**
     * A backendRef the compiler's ownership checks refuse (a ConsulService no consul-services
     * binding gives the namespace) is a reference not permitted: ResolvedRefs must say so, as it
     * does for the translator's own refusals, instead of staying True.
     */
    private static void refusedRefs(List<Condition> conditions, List<String> refused) {
        if (refused.isEmpty()) {
            return;
        }
        for (int i = 0; i < conditions.size(); i++) {
            Condition c = conditions.get(i);
            if (GatewayConditions.RESOLVED_REFS.equals(c.getType()) && "True".equals(c.getStatus())) {
                conditions.set(i, GatewayConditions.condition(GatewayConditions.RESOLVED_REFS, false, GatewayReason.REF_NOT_PERMITTED,
                        String.join("; ", refused), c.getObservedGeneration()));
            }
        }
    }
}
