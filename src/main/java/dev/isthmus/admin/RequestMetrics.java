package dev.isthmus.admin;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import dev.isthmus.compile.RouteAction;
import dev.isthmus.runtime.ActiveRoute;
import dev.isthmus.runtime.RouteAttributes;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableListener;
import dev.isthmus.server.GatewayPortWebFilter;
import dev.isthmus.server.ManagementPort;
import dev.isthmus.server.RequestOutcome;
import dev.isthmus.server.RequestOutcomes;

/**
 * {@code isthmus.requests{route, reason, code}}: every request the gateway port answers, routed or
 * not, counted once when its answer is committed (so an error answered by the error handler counts
 * with the status the client saw). {@code route} is the route id or {@code none}, {@code reason}
 * a {@link RequestOutcome}, {@code code} the status class ({@code 2xx} ... {@code 5xx}, or
 * {@code none} when the client left first): bounded by routes x reasons x 6, whatever clients
 * send. Spring Cloud Gateway's {@code spring.cloud.gateway.requests} times routed requests only;
 * this is the count that includes the 404s, 400s and 408s that never reach a route (Traefik's
 * entrypoint counter).
 * <p>
 * Three ways in: this web filter (the Spring Cloud Gateway path), {@link #answered} for what the
 * transport answers before any filter (header deadline, codec refusals), and {@link #record} for
 * any other request path (a native data plane records each request it answers there). Counters
 * are cached per route and dropped with the route, so route churn does not grow the registry.
 */
public final class RequestMetrics extends GatewayPortWebFilter implements RequestOutcomes, RouteTableListener {

    public static final String NAME = "isthmus.requests";
    static final String NONE = "none";
    private static final String[] CODES = { "1xx", "2xx", "3xx", "4xx", "5xx", NONE };
    private static final RequestOutcome[] OUTCOMES = RequestOutcome.values();

    private final MeterRegistry registry;
    private final Map<String, Counter[]> byRoute = new ConcurrentHashMap<>();

    public RequestMetrics(MeterRegistry registry, ManagementPort managementPort) {
        super(managementPort);
        this.registry = registry;
    }

    @Override
    protected Mono<Void> filterGatewayPort(ServerWebExchange exchange, WebFilterChain chain) {
        return chain.filter(exchange).doOnError(e -> exchange.getAttributes().putIfAbsent(RouteAttributes.OUTCOME, outcomeOf(e)))
                .doFinally(signal -> {
                    if (signal == SignalType.CANCEL && !exchange.getResponse().isCommitted()) {
                        exchange.getAttributes().put(RouteAttributes.OUTCOME, RequestOutcome.CLIENT_ABORTED);
                        record(exchange, 0);
                    }
                    else if (exchange.getResponse().isCommitted()) {
                        record(exchange, status(exchange));
                    }
                    else {
                        // an error not yet answered: the error handler commits it, with its status
                        exchange.getResponse().beforeCommit(() -> {
                            record(exchange, status(exchange));
                            return Mono.empty();
                        });
                    }
                });
    }

    private void record(ServerWebExchange exchange, int status) {
        ActiveRoute route = exchange.getAttribute(RouteAttributes.ACTIVE_ROUTE);
        RequestOutcome outcome = exchange.getAttribute(RouteAttributes.OUTCOME);
        if (outcome == null) {
            outcome = inferred(exchange, route, status);
        }
        record(route == null ? null : route.id(), outcome, status);
    }

    /** Where nothing said how the request was answered. */
    private static RequestOutcome inferred(ServerWebExchange exchange, ActiveRoute route, int status) {
        if (route == null) {
            return status == 404 ? RequestOutcome.NO_ROUTE : status == 400 ? RequestOutcome.BAD_REQUEST : RequestOutcome.GATEWAY_ERROR;
        }
        if (route.compiled().action() instanceof RouteAction.Redirect) {
            return RequestOutcome.REDIRECT;
        }
        if (exchange.getAttribute(RouteAttributes.UPSTREAM) != null) {
            return RequestOutcome.PROXIED;
        }
        // answered by the route's policies before a backend was chosen
        if (status == 429) {
            return RequestOutcome.RATE_LIMITED;
        }
        if (status == 503) {
            return RequestOutcome.CIRCUIT_OPEN;
        }
        return status >= 500 ? RequestOutcome.GATEWAY_ERROR : RequestOutcome.LOCAL;
    }

    static RequestOutcome outcomeOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getClass().getName().equals("io.github.resilience4j.circuitbreaker.CallNotPermittedException")) {
                return RequestOutcome.CIRCUIT_OPEN;
            }
            if (t instanceof TimeoutException) {
                return RequestOutcome.UPSTREAM_TIMEOUT;
            }
        }
        if (e instanceof ResponseStatusException rse && rse.getStatusCode().value() == 404) {
            return RequestOutcome.NO_ROUTE;
        }
        return RequestOutcome.GATEWAY_ERROR;
    }

    private static int status(ServerWebExchange exchange) {
        HttpStatusCode code = exchange.getResponse().getStatusCode();
        return code == null ? 200 : code.value();
    }

    /**
     * One answered request.
     *
     * @param routeId the route that answered it, null for none
     * @param status the HTTP status sent, 0 when none was (client gone, connection closed)
     */
    public void record(String routeId, RequestOutcome outcome, int status) {
        String route = routeId == null ? NONE : routeId;
        Counter[] counters = byRoute.computeIfAbsent(route, r -> new Counter[OUTCOMES.length * CODES.length]);
        int codeIndex = status >= 100 && status < 600 ? status / 100 - 1 : CODES.length - 1;
        int i = outcome.ordinal() * CODES.length + codeIndex;
        Counter c = counters[i];
        if (c == null) {
            c = Counter.builder(NAME).tag("route", route).tag("reason", outcome.tag()).tag("code", CODES[codeIndex])
                    .description("Requests answered on the gateway port, routed or not, by route, reason and status class").register(registry);
            counters[i] = c; // a race registers the same meter twice: Micrometer returns the one instance
        }
        c.increment();
    }

    /** The transport answered a request itself (no route, no web filter). */
    @Override
    public void answered(RequestOutcome outcome) {
        record(null, outcome, switch (outcome) {
            case HEADER_TIMEOUT -> 408;
            case URI_TOO_LONG -> 414;
            case HEADERS_TOO_LARGE -> 431;
            default -> 400;
        });
    }

    /** Routes that left the table take their counters with them (ids can be any number over time). */
    @Override
    public void tableSwapped(RouteTable table, RouteTable previous) {
        Set<String> gone = new java.util.HashSet<>(byRoute.keySet());
        gone.remove(NONE);
        table.routes().forEach(r -> gone.remove(r.id()));
        for (String id : gone) {
            Counter[] counters = byRoute.remove(id);
            if (counters != null) {
                for (Counter c : counters) {
                    if (c != null) {
                        registry.remove(c);
                    }
                }
            }
        }
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE; // outside every other filter, so refusals count too
    }
}
