package dev.isthmus.compile;

/**
 * What compilation needs to know about the gateway it compiles for.
 *
 * @param defaultNamespace where unqualified service names of routes without a namespace (file,
 *     Consul tags) are looked up in Kubernetes
 */
public record CompileSettings(String defaultNamespace) {

    public static final CompileSettings DEFAULTS = new CompileSettings("default");
}
