package dev.isthmus.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.Selector.Match;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.Problem;
import dev.isthmus.compile.RequestMatch;
import dev.isthmus.compile.RouteAction;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.compile.RouteStatus;
import dev.isthmus.compile.policy.HeaderEdits;
import dev.isthmus.model.Owner;
import dev.isthmus.runtime.ActiveRoute;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableHolder;

/**
 * {@code /actuator/routes}: the effective routing table, every route with its source, object,
 * generation, match, backends and status, plus every route and object that was rejected and why.
 * Header edit values are redacted (they often carry upstream credentials): names only.
 * {@code /actuator/routes/{id}} shows one (ids contain slashes: {@code /actuator/routes/file/echo}).
 */
@Endpoint(id = "routes")
public class RoutesEndpoint {

    private final RouteTableHolder tables;

    public RoutesEndpoint(RouteTableHolder tables) {
        this.tables = tables;
    }

    /**
     * The whole table.
     *
     * @param hostOwners which owner holds each claimed host, and each path of the default host ({@code (default host) /shop*})
     */
    public record RoutesReport(long version, Instant builtAt, int served, int rejected, List<RouteView> routes, Map<String, String> hostOwners) {
    }

    /**
     * One route as an operator needs to see it.
     *
     * @param owner who the route belongs to: {@code operator}, {@code namespace shop}, {@code consul service dc1/billing}
     * @param status Accepted, or the reason it is not served
     * @param route the compiled route (null for rejected ones), flattened: {@link #flatten}
     * @param problems every problem of a rejected route, each with its reason
     */
    public record RouteView(String id, String source, String object, String owner, long generation, boolean served, String status,
            String message, Map<String, Object> route, List<Problem> problems) {
    }

    @ReadOperation
    public RoutesReport routes() {
        RouteTable table = tables.get();
        List<RouteView> views = new ArrayList<>();
        int rejected = 0;
        for (RouteStatus s : table.compileResult().statuses()) {
            ActiveRoute active = s.routeId() == null ? null : table.route(s.routeId());
            if (!s.accepted()) {
                rejected++;
            }
            views.add(new RouteView(s.routeId(), s.object().kind().label(), s.object().toString(), Owner.of(s.object()).toString(), s.generation(),
                    s.accepted() && active != null, s.reason().value(), s.message(), active == null ? null : flatten(active.compiled()),
                    s.problems().isEmpty() ? null : s.problems()));
        }
        Map<String, String> owners = new LinkedHashMap<>();
        table.compileResult().hostOwners().forEach((host, owner) -> owners.put(host, owner.toString()));
        return new RoutesReport(table.version(), table.builtAt(), table.size(), rejected, views, owners);
    }

    @ReadOperation
    public RouteView route(@Selector(match = Match.ALL_REMAINING) String[] id) {
        String routeId = String.join("/", id);
        return routes().routes().stream().filter(v -> routeId.equals(v.id())).findFirst().orElse(null);
    }

    /**
     * The compiled route as operators (and the diagnostics page) read it: identity, then the match
     * fields, then {@code backends} or {@code redirect}, then every policy under its name.
     */
    static Map<String, Object> flatten(CompiledRoute r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("name", r.name());
        m.put("provenance", r.provenance());
        m.put("owner", r.provenance().owner());
        m.put("precedence", r.precedence());
        RequestMatch match = r.match();
        putIfPresent(m, "hosts", match.hosts());
        m.put("path", match.path());
        putIfPresent(m, "methods", match.methods());
        putIfPresent(m, "headers", match.headers());
        putIfPresent(m, "queryParams", match.queryParams());
        if (r.action() instanceof RouteAction.Forward f) {
            m.put("backends", f.backends());
            f.policies().all().forEach(p -> m.put(p.name(), shown(p)));
        }
        else {
            m.put("redirect", r.action());
        }
        r.policies().all().forEach(p -> m.put(p.name(), shown(p)));
        return m;
    }

    /** Header edit values carry upstream credentials: the endpoint shows their names only. */
    private static Object shown(RoutePolicy p) {
        return p instanceof HeaderEdits edits ? edits.redacted() : p;
    }

    private static void putIfPresent(Map<String, Object> m, String key, java.util.Collection<?> value) {
        if (!value.isEmpty()) {
            m.put(key, value);
        }
    }

    static Map<String, Object> summary(RoutesReport report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", report.version());
        m.put("served", report.served());
        m.put("rejected", report.rejected());
        return m;
    }
}
