package dev.isthmus.runtime;

import java.util.List;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.WebHandler;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.ValuePredicate;
import dev.isthmus.spec.HttpMethod;

/**
 * A route as served: its compiled form and the runtime parts built from it (the Spring Cloud
 * Gateway {@link Route}, the sorted filter chain, the backends' balancers). The runtime parts are
 * kept across table swaps while the route's behaviour is unchanged, so balancer state and
 * circuit breakers survive unrelated edits.
 */
public final class ActiveRoute {

    private final CompiledRoute compiled;
    private final RouteRuntime runtime;
    private final boolean[] methods;

    /** The parts of a route that cost something to build. */
    record RouteRuntime(Route route, RouteHandler handler, BackendPool backends) {
    }

    ActiveRoute(CompiledRoute compiled, RouteRuntime runtime) {
        this.compiled = compiled;
        this.runtime = runtime;
        if (compiled.match().methods().isEmpty()) {
            this.methods = null;
        }
        else {
            this.methods = new boolean[HttpMethod.values().length];
            compiled.match().methods().forEach(m -> methods[m.ordinal()] = true);
        }
    }

    public CompiledRoute compiled() {
        return compiled;
    }

    public String id() {
        return compiled.id();
    }

    public Route route() {
        return runtime.route();
    }

    public WebHandler handler() {
        return runtime.handler();
    }

    /** Null for redirect routes. */
    public BackendPool backends() {
        return runtime.backends();
    }

    RouteRuntime runtime() {
        return runtime;
    }

    /** Methods, headers and query parameters: the predicates the index does not cover. */
    boolean matchesRest(ServerHttpRequest request, String method) {
        if (methods != null) {
            int ordinal = ordinal(method);
            if (ordinal < 0 || !methods[ordinal]) {
                return false;
            }
        }
        List<ValuePredicate> headers = compiled.match().headers();
        for (int i = 0; i < headers.size(); i++) {
            ValuePredicate p = headers.get(i);
            if (!p.test(request.getHeaders().get(p.name()))) {
                return false;
            }
        }
        List<ValuePredicate> query = compiled.match().queryParams();
        for (int i = 0; i < query.size(); i++) {
            ValuePredicate p = query.get(i);
            if (!p.test(request.getQueryParams().get(p.name()))) {
                return false;
            }
        }
        return true;
    }

    private static int ordinal(String method) {
        return switch (method) {
            case "GET" -> HttpMethod.GET.ordinal();
            case "HEAD" -> HttpMethod.HEAD.ordinal();
            case "POST" -> HttpMethod.POST.ordinal();
            case "PUT" -> HttpMethod.PUT.ordinal();
            case "PATCH" -> HttpMethod.PATCH.ordinal();
            case "DELETE" -> HttpMethod.DELETE.ordinal();
            case "OPTIONS" -> HttpMethod.OPTIONS.ordinal();
            case "TRACE" -> HttpMethod.TRACE.ordinal();
            case "CONNECT" -> HttpMethod.CONNECT.ordinal();
            default -> -1;
        };
    }

    @Override
    public String toString() {
        return compiled.id();
    }
}
