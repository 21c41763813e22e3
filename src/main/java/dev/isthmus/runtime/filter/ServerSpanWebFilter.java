package dev.isthmus.runtime.filter;

import java.net.InetSocketAddress;

import io.micrometer.tracing.propagation.Propagator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import dev.isthmus.runtime.ActiveRoute;
import dev.isthmus.runtime.RouteAttributes;
import dev.isthmus.runtime.trace.RequestTracing;
import dev.isthmus.runtime.trace.ServerSpan;
import dev.isthmus.server.ClientAddress;
import dev.isthmus.server.GatewayPortWebFilter;
import dev.isthmus.server.ManagementPort;
import dev.isthmus.server.RequestOutcome;

/**
 * The server span of every request on the gateway port, routed or not (Spring Cloud Gateway path
 * of {@link RequestTracing}). Ends when the answer is committed, like {@code isthmus.requests}, so
 * an error answered by the error handler ends with the status the client saw. Just inside the
 * access log and request metrics filters, outside everything else; only registered when tracing
 * is on.
 */
public final class ServerSpanWebFilter extends GatewayPortWebFilter {

    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 1;

    private static final Propagator.Getter<HttpHeaders> HEADERS = HttpHeaders::getFirst;

    private final RequestTracing tracing;

    public ServerSpanWebFilter(RequestTracing tracing, ManagementPort managementPort) {
        super(managementPort);
        this.tracing = tracing;
    }

    @Override
    protected Mono<Void> filterGatewayPort(ServerWebExchange exchange, WebFilterChain chain) {
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        String client = remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress();
        ServerSpan span = tracing.startServer(exchange.getRequest().getMethod().name(), exchange.getRequest().getPath().value(),
                client, ClientAddress.fromTrustedPeer(remote), exchange.getRequest().getHeaders(), HEADERS);
        exchange.getAttributes().put(RouteAttributes.SERVER_SPAN, span);
        Throwable[] failure = new Throwable[1];
        return chain.filter(exchange).doOnError(e -> failure[0] = e).doFinally(signal -> {
            if (signal == SignalType.CANCEL && !exchange.getResponse().isCommitted()) {
                end(exchange, span, 0, RequestOutcome.CLIENT_ABORTED, null);
            }
            else if (exchange.getResponse().isCommitted()) {
                end(exchange, span, status(exchange), null, failure[0]);
            }
            else {
                // an error not yet answered: the error handler commits it, with its status
                exchange.getResponse().beforeCommit(() -> {
                    end(exchange, span, status(exchange), null, failure[0]);
                    return Mono.empty();
                });
            }
        });
    }

    private static void end(ServerWebExchange exchange, ServerSpan span, int status, RequestOutcome outcome, Throwable error) {
        ActiveRoute route = exchange.getAttribute(RouteAttributes.ACTIVE_ROUTE);
        RequestOutcome o = outcome != null ? outcome : exchange.getAttribute(RouteAttributes.OUTCOME);
        span.end(route == null ? null : route.id(), status, o == null ? null : o.tag(), error);
    }

    private static int status(ServerWebExchange exchange) {
        HttpStatusCode code = exchange.getResponse().getStatusCode();
        return code == null ? 200 : code.value();
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
