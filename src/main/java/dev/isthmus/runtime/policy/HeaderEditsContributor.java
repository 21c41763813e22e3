package dev.isthmus.runtime.policy;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory.NameConfig;
import org.springframework.cloud.gateway.filter.factory.AbstractNameValueGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.AbstractNameValueGatewayFilterFactory.NameValueConfig;
import org.springframework.cloud.gateway.filter.factory.AddRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.AddResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RemoveRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.RemoveResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetRequestHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetResponseHeaderGatewayFilterFactory;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.HeaderEdits;
import dev.isthmus.compile.policy.RequestHeaders;
import dev.isthmus.compile.policy.ResponseHeaders;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;

/** {@code requestHeaders} and {@code responseHeaders}: Spring Cloud Gateway's Remove/Set/Add header filters, in that order. */
public final class HeaderEditsContributor<E extends HeaderEdits> implements RouteFilterContributor<E> {

    private final String policy;
    private final Class<E> type;
    private final AbstractGatewayFilterFactory<NameConfig> remove;
    private final AbstractNameValueGatewayFilterFactory set;
    private final AbstractNameValueGatewayFilterFactory add;

    private HeaderEditsContributor(String policy, Class<E> type, AbstractGatewayFilterFactory<NameConfig> remove,
            AbstractNameValueGatewayFilterFactory set, AbstractNameValueGatewayFilterFactory add) {
        this.policy = policy;
        this.type = type;
        this.remove = remove;
        this.set = set;
        this.add = add;
    }

    public static HeaderEditsContributor<RequestHeaders> request(RemoveRequestHeaderGatewayFilterFactory remove,
            SetRequestHeaderGatewayFilterFactory set, AddRequestHeaderGatewayFilterFactory add) {
        return new HeaderEditsContributor<>(RequestHeaders.NAME, RequestHeaders.class, remove, set, add);
    }

    public static HeaderEditsContributor<ResponseHeaders> response(RemoveResponseHeaderGatewayFilterFactory remove,
            SetResponseHeaderGatewayFilterFactory set, AddResponseHeaderGatewayFilterFactory add) {
        return new HeaderEditsContributor<>(ResponseHeaders.NAME, ResponseHeaders.class, remove, set, add);
    }

    @Override
    public String policy() {
        return policy;
    }

    @Override
    public Class<E> type() {
        return type;
    }

    @Override
    public void contribute(E edits, CompiledRoute compiled, RouteFilters route) {
        for (String name : edits.remove()) {
            NameConfig c = new NameConfig();
            c.setName(name);
            route.add(remove.apply(c));
        }
        edits.set().forEach((name, value) -> route.add(apply(set, name, value)));
        edits.add().forEach((name, value) -> route.add(apply(add, name, value)));
    }

    private static GatewayFilter apply(AbstractNameValueGatewayFilterFactory factory, String name, String value) {
        return new Redacted(factory.apply(new NameValueConfig().setName(name).setValue(value)),
                "[" + factory.name() + " " + name + " = " + HeaderEdits.REDACTED + "]");
    }

    /**
     * Spring Cloud Gateway's header filters print their value in {@code toString}, which its
     * {@code /actuator/gateway/routes} shows, and header values carry upstream credentials: the
     * same filter, printed without its value.
     */
    private record Redacted(GatewayFilter delegate, String text) implements GatewayFilter {
        @Override
        public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
            return delegate.filter(exchange, chain);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
