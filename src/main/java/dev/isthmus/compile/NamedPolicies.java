package dev.isthmus.compile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import dev.isthmus.model.ConditionReason;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.PolicyDefinition;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.spec.Auth;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.NamedPolicy;

/**
 * The named access policies of one compilation, and which route sees which. Gateway-wide policies
 * (the operator's: {@code isthmus.auth.policies}, the routes file's {@code policies:}) are visible
 * to every route, Consul tag routes included; a ConfigMap's policies only to the routes of that
 * ConfigMap, so a tenant's policy never decides another tenant's traffic. A local policy may not
 * take a gateway-wide name (a reader of the ConfigMap would otherwise guess wrong which one
 * applies), a name is defined once per scope, and a policy cannot reference another one.
 */
final class NamedPolicies {

    /** A definition problem, reported against the object that declared the policy. */
    record DefinitionProblem(PolicyDefinition definition, Problem problem) {
    }

    private final Map<String, PolicyDefinition> gatewayWide = new LinkedHashMap<>();
    private final Map<ObjectRef, Map<String, PolicyDefinition>> local = new HashMap<>();
    private final List<DefinitionProblem> problems = new ArrayList<>();

    /** @param definitions the operator's first (properties, then sources), so an earlier one wins a name */
    NamedPolicies(List<PolicyDefinition> definitions) {
        for (PolicyDefinition d : definitions) {
            if (!java.util.regex.Pattern.matches(NamedPolicy.NAME_PATTERN, d.name())) {
                fail(d, "policy name '" + Text.abbreviate(d.name()) + "' must be lower-case letters, digits, '-' or '.' (at most 63)");
                continue;
            }
            if (d.spec().auth() != null && d.spec().auth().policy() != null) {
                fail(d, "policy " + d.name() + ": auth.policy cannot be used inside a policy");
                continue;
            }
            if (d.gatewayWide()) {
                PolicyDefinition first = gatewayWide.putIfAbsent(d.name(), d);
                if (first != null) {
                    fail(d, "policy " + d.name() + " is already defined by " + first.object() + "; this definition is ignored");
                }
                continue;
            }
            Map<String, PolicyDefinition> own = local.computeIfAbsent(d.object(), k -> new HashMap<>());
            if (own.putIfAbsent(d.name(), d) != null) {
                fail(d, "policy " + d.name() + " is defined twice in " + d.object());
            }
        }
        // a local definition may not shadow a gateway-wide name
        for (Map<String, PolicyDefinition> own : local.values()) {
            own.values().removeIf(d -> {
                PolicyDefinition wide = gatewayWide.get(d.name());
                if (wide != null) {
                    fail(d, "policy " + d.name() + " is the name of a gateway-wide policy (" + wide.object() + "); pick another name");
                    return true;
                }
                return false;
            });
        }
    }

    private void fail(PolicyDefinition d, String message) {
        problems.add(new DefinitionProblem(d, new Problem(ConditionReason.INVALID_NAMED_POLICY, message)));
    }

    List<DefinitionProblem> problems() {
        return problems;
    }

    /** Every valid definition, for checking each one once whether or not a route references it. */
    List<PolicyDefinition> all() {
        List<PolicyDefinition> all = new ArrayList<>(gatewayWide.values());
        local.values().forEach(m -> all.addAll(m.values()));
        return all;
    }

    /** The access fields that apply to {@code route}, reporting a reference it cannot resolve or a combination it may not use. */
    Access resolve(RouteSpec route, Problems p) {
        GatewayRouteSpec s = route.spec();
        ObjectRef object = route.provenance().object();
        Auth auth = s.auth();
        if (auth == null || auth.policy() == null) {
            if (auth != null && auth.jwt() != null && auth.basic() != null) {
                p.fail(ConditionReason.INVALID_AUTH, "auth.jwt and auth.basic both read the Authorization header: use one of them");
            }
            return new Access(auth, s.ipAllow(), s.ipDeny(), null, object);
        }
        if (auth.jwt() != null || auth.forward() != null || auth.basic() != null) {
            p.fail(ConditionReason.INVALID_AUTH, "auth.policy names a policy; it cannot be combined with auth.jwt, auth.forward or auth.basic");
            return null;
        }
        PolicyDefinition d = local.getOrDefault(object, Map.of()).get(auth.policy());
        if (d == null) {
            d = gatewayWide.get(auth.policy());
        }
        if (d == null) {
            TreeSet<String> visible = new TreeSet<>(gatewayWide.keySet());
            visible.addAll(local.getOrDefault(object, Map.of()).keySet());
            p.fail(ConditionReason.POLICY_NOT_FOUND, "auth.policy " + Text.abbreviate(auth.policy()) + ": no such policy for this route"
                    + (visible.isEmpty() ? " (none is defined)" : " (it can use: " + String.join(", ", visible) + ")"));
            return null;
        }
        NamedPolicy n = d.spec();
        Auth policyAuth = n.auth();
        if (policyAuth != null && policyAuth.jwt() != null && policyAuth.basic() != null) {
            p.fail(ConditionReason.INVALID_AUTH, "policy " + d.name() + ": auth.jwt and auth.basic both read the Authorization header: use one");
        }
        // The route may add its own lists to the policy's: denies add up; an allow list is the policy's or the route's, never both
        // (two allow lists would have to intersect, which nobody reading either would expect).
        List<String> allow = n.ipAllow() == null || n.ipAllow().isEmpty() ? s.ipAllow() : n.ipAllow();
        if (n.ipAllow() != null && !n.ipAllow().isEmpty() && s.ipAllow() != null && !s.ipAllow().isEmpty()) {
            p.fail(ConditionReason.INVALID_IP_LIST, "ipAllow is set by policy " + d.name() + "; the route cannot set its own as well");
        }
        List<String> deny = new ArrayList<>(n.ipDeny() == null ? List.of() : n.ipDeny());
        if (s.ipDeny() != null) {
            deny.addAll(s.ipDeny());
        }
        return new Access(policyAuth, allow, deny, d.name(), d.object());
    }
}
