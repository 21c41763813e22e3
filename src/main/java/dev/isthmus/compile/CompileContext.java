package dev.isthmus.compile;

import dev.isthmus.compile.ownership.BackendAdmission;
import dev.isthmus.spec.GatewayRouteSpec;

/**
 * What a compile unit sees of the route being compiled.
 *
 * @param spec the authored spec
 * @param backends which backends the route's owner may use, and where its unqualified names resolve
 * @param path the compiled path match, null when it is invalid (rewrites and redirects of a prefix need it)
 * @param problems the route's one problem collector
 * @param name the route's name (a default for names a policy shows to clients, such as a realm)
 * @param access the access fields that apply: the route's own, or its named policy's
 */
public record CompileContext(GatewayRouteSpec spec, BackendAdmission backends, PathMatcher path, Problems problems, String name,
        Access access) {

    public CompileContext(GatewayRouteSpec spec, BackendAdmission backends, PathMatcher path, Problems problems) {
        this(spec, backends, path, problems, "route", null);
    }

    /** Where unqualified Kubernetes service names resolve for this route. */
    public String namespace() {
        return backends == null ? null : backends.namespace();
    }
}
