package dev.isthmus.compile;

import java.util.List;

import dev.isthmus.compile.ownership.OwnershipPolicy;
import dev.isthmus.model.PolicyDefinition;

/**
 * What compilation needs to know about the gateway it compiles for.
 *
 * @param defaultNamespace where unqualified service names of routes without a namespace (file,
 *     Consul tags) are looked up in Kubernetes
 * @param policies the operator's named policies ({@code isthmus.auth.policies}), gateway-wide
 * @param ownership the operator's ownership rules: hosts, backends, quotas, destinations
 */
public record CompileSettings(String defaultNamespace, List<PolicyDefinition> policies, OwnershipPolicy ownership) {

    /** No named policies and no ownership rules: for tests of the compile units; the gateway always runs with a policy. */
    public static final CompileSettings DEFAULTS = new CompileSettings("default");

    public CompileSettings {
        policies = List.copyOf(policies);
    }

    public CompileSettings(String defaultNamespace) {
        this(defaultNamespace, List.of(), OwnershipPolicy.OPEN);
    }

    public CompileSettings(String defaultNamespace, OwnershipPolicy ownership) {
        this(defaultNamespace, List.of(), ownership);
    }

    public CompileSettings(String defaultNamespace, List<PolicyDefinition> policies) {
        this(defaultNamespace, policies, OwnershipPolicy.OPEN);
    }
}
