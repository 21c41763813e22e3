package dev.isthmus.discovery;

import java.util.List;

import dev.isthmus.compile.BackendTarget;

/**
 * Resolves a backend service to its healthy instances from in-memory registry state that watches
 * keep current: never blocks, never calls a registry on the request path.
 */
public interface ServiceResolver {

    /** @return the healthy instances now, possibly empty; the list must not be modified */
    List<Instance> resolve(BackendTarget.Service service);

    /** A resolver that knows no services: routes to services answer 503 until a registry is enabled. */
    ServiceResolver NONE = service -> List.of();
}
