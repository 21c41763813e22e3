package dev.isthmus.runtime;

/** Exchange attributes Isthmus sets on the request path. */
public final class RouteAttributes {

    /** The {@link ActiveRoute} chosen for the request. */
    public static final String ACTIVE_ROUTE = RouteAttributes.class.getName() + ".route";

    /** The {@link dev.isthmus.discovery.Instance}s already tried for this request (retries go elsewhere). */
    public static final String TRIED_INSTANCES = RouteAttributes.class.getName() + ".tried";

    /** The normalized request path the route was matched on. */
    public static final String NORMALIZED_PATH = RouteAttributes.class.getName() + ".path";

    /**
     * The {@link dev.isthmus.compile.ownership.DestinationGuard.Trust} of the chosen backend's
     * addresses: the routing filter connects through the resolver of that trust ({@link GuardedAddressResolver}).
     */
    public static final String UPSTREAM_TRUST = RouteAttributes.class.getName() + ".trust";

    private RouteAttributes() {
    }
}
