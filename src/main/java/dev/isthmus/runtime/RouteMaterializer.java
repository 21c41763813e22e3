package dev.isthmus.runtime;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.cloud.gateway.filter.ForwardPathFilter;
import org.springframework.cloud.gateway.filter.ForwardRoutingFilter;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.filter.WebsocketRoutingFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.annotation.Order;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.RouteAction;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.compile.policy.HostHeader;
import dev.isthmus.compile.policy.LoadBalancing;
import dev.isthmus.runtime.ActiveRoute.RouteRuntime;
import dev.isthmus.runtime.filter.BackendSelectionFilter;
import dev.isthmus.runtime.filter.RequestRedirectGatewayFilterFactory;

/**
 * Builds the runtime form of compiled routes: a Spring Cloud Gateway {@link Route} whose filters
 * come from one {@link RouteFilterContributor} per policy, looked up by the policy's name (as
 * Spring Cloud Gateway's RouteDefinitionRouteLocator looks filter factories up by name), sorted
 * once together with the global filters. A route whose behaviour did not change (equal IR) keeps
 * its runtime (filters, balancers, circuit breaker) across table swaps.
 */
public final class RouteMaterializer {

    private final List<GatewayFilter> globalFilters;
    private final List<GatewayFilter> websocketFilters;
    private final Map<String, RouteFilterContributor<?>> contributors;
    private final RequestRedirectGatewayFilterFactory redirect;

    /**
     * @param globalFilters Spring Cloud Gateway's global filter beans (and Isthmus' own). Those that
     *     can never act on an Isthmus route are left out of its chain, since every filter in a chain
     *     costs a deferred Mono, a chain link and a call on every request:
     *     <ul>
     *     <li>{@link ForwardPathFilter}, {@link ForwardRoutingFilter}: only for {@code forward:}
     *     route URIs, and Isthmus' are all {@code isthmus://upstream};</li>
     *     <li>{@link RouteToRequestUrlFilter}: merges the route URI into the request URL with a
     *     UriComponentsBuilder, which {@link BackendSelectionFilter} then replaces; it builds the
     *     upstream URL from the request itself;</li>
     *     <li>{@link WebsocketRoutingFilter}: kept only on routes with {@code websocket: true};
     *     elsewhere the websocket guard refuses upgrades before it would see them.</li>
     *     </ul>
     */
    public RouteMaterializer(List<GlobalFilter> globalFilters, List<RouteFilterContributor<?>> contributors,
            RequestRedirectGatewayFilterFactory redirect) {
        List<GatewayFilter> always = new ArrayList<>();
        List<GatewayFilter> websocket = new ArrayList<>();
        for (GlobalFilter g : globalFilters) {
            if (g instanceof ForwardPathFilter || g instanceof ForwardRoutingFilter || g instanceof RouteToRequestUrlFilter) {
                continue;
            }
            (g instanceof WebsocketRoutingFilter ? websocket : always).add(adapt(g));
        }
        this.globalFilters = List.copyOf(always);
        this.websocketFilters = List.copyOf(websocket);
        Map<String, RouteFilterContributor<?>> byName = new HashMap<>();
        for (RouteFilterContributor<?> c : contributors) {
            RouteFilterContributor<?> clash = byName.putIfAbsent(c.policy(), c);
            if (clash != null) {
                throw new IllegalStateException("two contributors for policy " + c.policy() + ": " + clash.getClass().getName()
                        + " and " + c.getClass().getName());
            }
        }
        this.contributors = Map.copyOf(byName);
        this.redirect = redirect;
    }

    /** A global filter as Spring Cloud Gateway's FilteringWebHandler adapts it, keeping its order. */
    private static GatewayFilter adapt(GlobalFilter filter) {
        GatewayFilter adapted = new GlobalFilterAdapter(filter);
        if (filter instanceof Ordered o) {
            return new OrderedGatewayFilter(adapted, o.getOrder());
        }
        Order order = AnnotationUtils.findAnnotation(filter.getClass(), Order.class);
        return order != null ? new OrderedGatewayFilter(adapted, order.value()) : adapted;
    }

    /** Builds the routes of a new table, reusing the runtime of every route whose behaviour is unchanged. */
    List<ActiveRoute> materialize(List<CompiledRoute> routes, RouteTable previous) {
        List<ActiveRoute> out = new ArrayList<>(routes.size());
        for (CompiledRoute compiled : routes) {
            ActiveRoute old = previous.route(compiled.id());
            RouteRuntime runtime = old != null && old.compiled().sameBehaviour(compiled) ? old.runtime() : build(compiled);
            out.add(new ActiveRoute(compiled, runtime));
        }
        return out;
    }

    RouteRuntime build(CompiledRoute r) {
        RouteFilters parts = new RouteFilters();
        parts.metadata("source", r.provenance().object().toString());
        r.policies().all().forEach(p -> contribute(p, r, parts));
        BackendPool pool = null;
        if (r.action() instanceof RouteAction.Redirect a) {
            parts.add(redirect.apply(new RequestRedirectGatewayFilterFactory.Config().setScheme(a.scheme()).setHost(a.host())
                    .setPort(a.port()).setPath(a.path()).setReplacePrefix(a.replacePrefix()).setMatchedPrefix(a.matchedPrefix())
                    .setCode(a.code())));
        }
        else if (r.action() instanceof RouteAction.Forward f) {
            f.policies().all().forEach(p -> contribute(p, r, parts));
            LoadBalancing balancing = f.policies().get(LoadBalancing.class);
            HostHeader host = f.policies().get(HostHeader.class);
            pool = new BackendPool(f.backends(), balancing == null ? LoadBalancing.ROUND_ROBIN : balancing, r.provenance().owner(),
                    host != null && host.mode() == HostHeader.Mode.AUTO);
        }

        Route.AsyncBuilder route = Route.async().id(r.id()).uri(URI.create(BackendSelectionFilter.SCHEME + "://upstream"))
                .asyncPredicate(new IndexedRoutePredicate(r.match())).metadata(parts.metadata());
        List<GatewayFilter> filters = parts.filters();
        for (int i = 0; i < filters.size(); i++) {
            // Route filters run in the order listed, all before the global routing filters.
            route.filter(new OrderedGatewayFilter(filters.get(i), i + 1));
        }
        Route scgRoute = route.build();
        List<GatewayFilter> combined = new ArrayList<>(globalFilters);
        if (parts.websocketRouting()) {
            combined.addAll(websocketFilters);
        }
        combined.addAll(scgRoute.getFilters());
        AnnotationAwareOrderComparator.sort(combined);
        return new RouteRuntime(scgRoute, RouteHandler.of(combined, parts.cors()), pool);
    }

    @SuppressWarnings("unchecked")
    private <P extends RoutePolicy> void contribute(RoutePolicy policy, CompiledRoute route, RouteFilters parts) {
        RouteFilterContributor<P> c = (RouteFilterContributor<P>) contributors.get(policy.name());
        if (c == null) {
            throw new IllegalStateException("no RouteFilterContributor bean for policy '" + policy.name() + "' (route " + route.id() + ")");
        }
        c.contribute(c.type().cast(policy), route, parts);
    }

    /** Spring Cloud Gateway's own adapter is private to its FilteringWebHandler; this one prints the global filter it runs. */
    private record GlobalFilterAdapter(GlobalFilter delegate) implements GatewayFilter {
        @Override
        public reactor.core.publisher.Mono<Void> filter(org.springframework.web.server.ServerWebExchange exchange,
                org.springframework.cloud.gateway.filter.GatewayFilterChain chain) {
            return delegate.filter(exchange, chain);
        }

        @Override
        public String toString() {
            return "GlobalFilter[" + delegate.getClass().getSimpleName() + "]";
        }
    }
}
