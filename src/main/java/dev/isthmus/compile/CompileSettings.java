package dev.isthmus.compile;

import dev.isthmus.compile.ownership.OwnershipPolicy;

/**
 * What compilation needs to know about the gateway it compiles for.
 *
 * @param defaultNamespace where unqualified service names of routes without a namespace (file,
 *     Consul tags) are looked up in Kubernetes
 * @param ownership the operator's ownership rules: hosts, backends, quotas, destinations
 */
public record CompileSettings(String defaultNamespace, OwnershipPolicy ownership) {

    /** No ownership rules at all: for tests of the compile units; the gateway always runs with a policy. */
    public static final CompileSettings DEFAULTS = new CompileSettings("default", OwnershipPolicy.OPEN);

    public CompileSettings(String defaultNamespace) {
        this(defaultNamespace, OwnershipPolicy.OPEN);
    }
}
