package dev.isthmus.model;

import java.util.Objects;

/**
 * The source object a route was read from: a file path, a Kubernetes object (namespace/name), or
 * a Consul service (datacenter/name). Status and errors are reported against it.
 */
public record ObjectRef(SourceKind kind, String namespace, String name) {

    public ObjectRef {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }

    public static ObjectRef file(String path) {
        return new ObjectRef(SourceKind.FILE, null, path);
    }

    /** {@code kind/namespace/name}, {@code kind/name} without a namespace, {@code file:path} for files. */
    @Override
    public String toString() {
        if (kind == SourceKind.FILE) {
            return "file:" + name;
        }
        return kind.label() + "/" + (namespace == null ? "" : namespace + "/") + name;
    }
}
