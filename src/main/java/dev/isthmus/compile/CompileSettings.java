package dev.isthmus.compile;

import java.util.List;

import dev.isthmus.model.PolicyDefinition;

/**
 * What compilation needs to know about the gateway it compiles for.
 *
 * @param defaultNamespace where unqualified service names of routes without a namespace (file,
 *     Consul tags) are looked up in Kubernetes
 * @param policies the operator's named policies ({@code isthmus.auth.policies}), gateway-wide
 */
public record CompileSettings(String defaultNamespace, List<PolicyDefinition> policies) {

    public static final CompileSettings DEFAULTS = new CompileSettings("default");

    public CompileSettings {
        policies = List.copyOf(policies);
    }

    public CompileSettings(String defaultNamespace) {
        this(defaultNamespace, List.of());
    }
}
