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
import dev.isthmus.compile.RouteStatus;
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

    /** The whole table. */
    public record RoutesReport(long version, Instant builtAt, int served, int rejected, List<RouteView> routes) {
    }

    /**
     * One route as an operator needs to see it.
     *
     * @param status Accepted, or the reason it is not served
     * @param route the compiled route (null for rejected ones)
     */
    public record RouteView(String id, String source, String object, long generation, boolean served, String status,
            String message, CompiledRoute route) {
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
            views.add(new RouteView(s.routeId(), s.object().kind().label(), s.object().toString(), s.generation(),
                    s.accepted() && active != null, s.reason(), s.message(), active == null ? null : active.compiled().redacted()));
        }
        return new RoutesReport(table.version(), table.builtAt(), table.size(), rejected, views);
    }

    @ReadOperation
    public RouteView route(@Selector(match = Match.ALL_REMAINING) String[] id) {
        String routeId = String.join("/", id);
        return routes().routes().stream().filter(v -> routeId.equals(v.id())).findFirst().orElse(null);
    }

    static Map<String, Object> summary(RoutesReport report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", report.version());
        m.put("served", report.served());
        m.put("rejected", report.rejected());
        return m;
    }
}
