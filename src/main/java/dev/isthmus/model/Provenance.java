package dev.isthmus.model;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a route came from. {@code generation} is the source object's generation (Kubernetes) or
 * modify index (Consul) or content version (file); {@code created} orders otherwise equal routes,
 * oldest first, when they conflict.
 */
public record Provenance(ObjectRef object, long generation, Instant created) {

    public Provenance {
        Objects.requireNonNull(object, "object");
        created = created == null ? Instant.EPOCH : created;
    }

    public SourceKind kind() {
        return object.kind();
    }
}
