package dev.isthmus.discovery;

import java.util.List;
import java.util.Map;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.BackendTarget.Registry;

/**
 * One registry's view of services, kept current in memory by its watch (Kubernetes informers on
 * Services and EndpointSlices, Consul blocking queries). Reads never block and never call the
 * registry. When the registry becomes unreachable, the last known state is kept.
 */
public interface ServiceRegistry {

    Registry kind();

    /**
     * Whether the registry knows the service at all (a Service object, a catalog entry), even
     * with no healthy instance: the prefer-* policies use this to choose a registry.
     */
    boolean knows(BackendTarget.Service service);

    /** The routable (ready / passing) instances now; empty when none or unknown. */
    List<Instance> instances(BackendTarget.Service service);

    /** Every service known, by display name, with its routable instances (admin output). */
    Map<String, List<Instance>> snapshot();

    /** Called after the registry's state changed (pushes to listeners such as admin metrics). */
    default void addChangeListener(Runnable listener) {
    }
}
