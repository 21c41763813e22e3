package dev.isthmus.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where a route came from. {@code generation} is the source object's generation (Kubernetes) or
 * modify index (Consul) or content version (file); {@code created} orders otherwise equal routes,
 * oldest first, when they conflict, and dates host claims (the first claim wins).
 *
 * @param tags what the ownership policy may select the owner by besides its name: for a Consul
 *     service, the tags every one of its registered instances carries (a tag on some instances
 *     only proves nothing about the others); empty for other sources
 */
public record Provenance(ObjectRef object, long generation, Instant created,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Set<String> tags) {

    public Provenance {
        Objects.requireNonNull(object, "object");
        created = created == null ? Instant.EPOCH : created;
        tags = tags == null || tags.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(new TreeSet<>(tags));
    }

    public Provenance(ObjectRef object, long generation, Instant created) {
        this(object, generation, created, Set.of());
    }

    public SourceKind kind() {
        return object.kind();
    }

    @JsonIgnore
    public Owner owner() {
        return Owner.of(object);
    }
}
