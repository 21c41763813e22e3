package dev.isthmus.status;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.Problem;
import dev.isthmus.compile.RouteStatus;
import dev.isthmus.model.SourceKind;

/**
 * The verdict on each Consul service's tag routes, as its owner reads it with {@code consul kv
 * get}: from the compile verdicts ({@link RouteStatus}, the same ones GatewayRoute status is
 * written from), one document per service that declares routes (accepted, or rejected by the tag
 * reader, the compiler or the ownership rules). Pure: the writer compares {@link Verdict}s, which
 * leave out who wrote them and when, so an unchanged verdict is never written again.
 */
public final class ConsulVerdicts {

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ConsulVerdicts() {
    }

    /** One reason a route is not served: a {@code ConditionReason} value and its message. */
    public record Reason(String reason, String message) {
    }

    /**
     * One route of the service.
     *
     * @param message warnings of an accepted route, else null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({ "id", "accepted", "reasons", "message" })
    public record Route(String id, boolean accepted, List<Reason> reasons, String message) {
        public Route {
            reasons = reasons == null ? List.of() : List.copyOf(reasons);
        }
    }

    /**
     * What the gateway decided about one service's routes.
     *
     * @param accepted every route of the service is served
     * @param generation the highest Consul index its routes were read at (the service's modify
     *     index the gateway saw)
     */
    @JsonPropertyOrder({ "datacenter", "service", "accepted", "routes", "generation" })
    public record Verdict(String datacenter, String service, boolean accepted, List<Route> routes, long generation) {
        public Verdict {
            routes = routes == null ? List.of() : List.copyOf(routes);
        }
    }

    /** The stored form: the verdict, the replica that wrote it and when (ISO-8601, UTC). */
    @JsonPropertyOrder({ "datacenter", "service", "accepted", "routes", "generation", "gateway", "updatedAt" })
    record Document(String datacenter, String service, boolean accepted, List<Route> routes, long generation, String gateway,
            String updatedAt) {

        Verdict verdict() {
            return new Verdict(datacenter, service, accepted, routes, generation);
        }
    }

    /** Every Consul service's verdict in this compilation, by its key {@code <prefix>/<dc>/<service>}. */
    public static Map<String, Verdict> of(CompileResult result, String prefix) {
        Map<String, List<RouteStatus>> byService = new TreeMap<>();
        for (RouteStatus s : result.statuses()) {
            if (s.object().kind() == SourceKind.CONSUL && s.object().namespace() != null) {
                byService.computeIfAbsent(key(prefix, s.object().namespace(), s.object().name()), k -> new ArrayList<>()).add(s);
            }
        }
        Map<String, Verdict> out = new TreeMap<>();
        byService.forEach((key, statuses) -> {
            statuses.sort(Comparator.comparing(s -> s.routeId() == null ? "" : s.routeId()));
            List<Route> routes = new ArrayList<>();
            long generation = 0;
            boolean accepted = true;
            for (RouteStatus s : statuses) {
                routes.add(route(s));
                accepted &= s.accepted();
                generation = Math.max(generation, s.generation());
            }
            RouteStatus first = statuses.get(0);
            out.put(key, new Verdict(first.object().namespace(), first.object().name(), accepted, routes, generation));
        });
        return out;
    }

    private static Route route(RouteStatus s) {
        if (s.accepted()) {
            return new Route(s.routeId(), true, List.of(), s.message() == null || s.message().isBlank() ? null : s.message());
        }
        List<Reason> reasons = new ArrayList<>();
        for (Problem p : s.problems()) {
            reasons.add(new Reason(p.reason().value(), p.message()));
        }
        if (reasons.isEmpty()) {
            reasons.add(new Reason(s.reason().value(), s.message()));
        }
        return new Route(s.routeId(), false, reasons, null);
    }

    public static String key(String prefix, String datacenter, String service) {
        return prefix + "/" + datacenter + "/" + service;
    }

    /** The JSON value written at the service's key. */
    public static byte[] document(Verdict v, String gateway, Instant updatedAt) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new Document(v.datacenter(), v.service(), v.accepted(), v.routes(),
                    v.generation(), gateway, updatedAt.toString()));
        }
        catch (IOException e) {
            throw new IllegalStateException("cannot write verdict of " + v.service(), e);
        }
    }

    /** The verdict a stored value holds, or null when it is not one (unreadable: it is overwritten). */
    public static Verdict read(byte[] value) {
        try {
            Document d = JSON.readValue(value, Document.class);
            return d == null || d.service() == null ? null : d.verdict();
        }
        catch (IOException e) {
            return null;
        }
    }
}
