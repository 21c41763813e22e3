package dev.isthmus.runtime;

/** Exchange attributes Isthmus sets on the request path. */
public final class RouteAttributes {

    /** The {@link ActiveRoute} chosen for the request. */
    public static final String ACTIVE_ROUTE = RouteAttributes.class.getName() + ".route";

    /** The {@link dev.isthmus.discovery.Instance}s already tried for this request (retries go elsewhere). */
    public static final String TRIED_INSTANCES = RouteAttributes.class.getName() + ".tried";

    /**
     * The upstream (backend service or URL, never an instance address) of the current attempt, as
     * {@link dev.isthmus.compile.BackendTarget#display()}: the {@code upstream} tag of request metrics.
     */
    public static final String UPSTREAM = RouteAttributes.class.getName() + ".upstream";

    /**
     * The {@link dev.isthmus.server.RequestOutcome} of the request, set where the gateway answers it
     * itself (refusals, backend selection failures); absent for answers from an upstream.
     */
    public static final String OUTCOME = RouteAttributes.class.getName() + ".outcome";

    /** The normalized request path the route was matched on. */
    public static final String NORMALIZED_PATH = RouteAttributes.class.getName() + ".path";

    /**
     * The {@link dev.isthmus.compile.ownership.DestinationGuard.Trust} of the chosen backend's
     * addresses: the routing filter connects through the resolver of that trust ({@link GuardedAddressResolver}).
     */
    public static final String UPSTREAM_TRUST = RouteAttributes.class.getName() + ".trust";

    /**
     * The Reactor Netty client for the chosen backend ({@code runtime.upstream.UpstreamClients}): its
     * protocol and TLS; absent for plain HTTP/1.1 backends, which use the shared client of their trust.
     */
    public static final String UPSTREAM_CLIENT = RouteAttributes.class.getName() + ".client";

    /** The request's {@link dev.isthmus.runtime.trace.ServerSpan}, when tracing is on. */
    public static final String SERVER_SPAN = RouteAttributes.class.getName() + ".span";

    /** The current attempt's {@link dev.isthmus.runtime.trace.UpstreamSpan}, when tracing is on. */
    public static final String UPSTREAM_SPAN = RouteAttributes.class.getName() + ".upstream-span";

    private RouteAttributes() {
    }
}
