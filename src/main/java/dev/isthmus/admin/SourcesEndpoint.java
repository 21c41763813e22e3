package dev.isthmus.admin;

import java.util.List;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import dev.isthmus.runtime.RouteTableHolder;
import dev.isthmus.source.RouteSources;
import dev.isthmus.model.SyncStatus;

/** {@code /actuator/sources}: per route source, its sync state, last change, last error and version. */
@Endpoint(id = "sources")
public class SourcesEndpoint {

    private final RouteSources sources;
    private final RouteTableHolder tables;

    public SourcesEndpoint(RouteSources sources, RouteTableHolder tables) {
        this.sources = sources;
        this.tables = tables;
    }

    /**
     * @param routes routes from this source that are served now
     * @param rejected routes and objects from this source that are rejected now
     */
    public record SourceView(SyncStatus status, long routes, long rejected) {
    }

    public record SourcesReport(boolean allSynced, List<SourceView> sources) {
    }

    @ReadOperation
    public SourcesReport sources() {
        var statuses = tables.get().compileResult().statuses();
        List<SourceView> views = sources.all().stream().map(source -> {
            long served = statuses.stream().filter(s -> s.accepted() && s.object().kind() == source.kind()).count();
            long rejected = statuses.stream().filter(s -> !s.accepted() && s.object().kind() == source.kind()).count();
            return new SourceView(source.status(), served, rejected);
        }).toList();
        return new SourcesReport(sources.allSynced(), views);
    }
}
