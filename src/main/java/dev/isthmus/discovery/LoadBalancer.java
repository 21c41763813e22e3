package dev.isthmus.discovery;

import java.util.List;

/**
 * Picks one instance among the healthy instances of a backend. Implementations keep their own
 * state (counters, in-flight requests) and must be safe for concurrent use.
 */
public interface LoadBalancer {

    /**
     * @param instances non-empty, already stripped of ejected and already-tried instances
     * @param hashKey the request's key for consistent hashing, null for other policies
     */
    Instance choose(List<Instance> instances, String hashKey);

    /** Called when a request to an instance starts and ends (least-request counts in-flight calls). */
    default void started(Instance instance) {
    }

    default void finished(Instance instance) {
    }
}
