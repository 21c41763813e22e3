package dev.isthmus.model;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * Where a route came from. {@code generation} is the source object's generation (Kubernetes) or
 * modify index (Consul) or content version (file); {@code created} orders otherwise equal routes,
 * oldest first, when they conflict. It is kept to whole seconds, the resolution of Kubernetes'
 * {@code creationTimestamp}: compared with a file or Consul route's millisecond first-seen time, a
 * GatewayRoute created later in the same second would otherwise count as older. Ties go to the id.
 */
public record Provenance(ObjectRef object, long generation, Instant created) {

    public Provenance {
        Objects.requireNonNull(object, "object");
        created = created == null ? Instant.EPOCH : created.truncatedTo(ChronoUnit.SECONDS);
    }

    public SourceKind kind() {
        return object.kind();
    }
}
