package dev.isthmus.runtime.upstream;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.SslContext;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

import dev.isthmus.compile.UpstreamTransport;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.compile.WeightedBackend;
import dev.isthmus.runtime.ActiveRoute;
import dev.isthmus.runtime.GuardedAddressResolver;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableListener;
import dev.isthmus.spec.UpstreamProtocol;

/**
 * The Reactor Netty client each backend is reached with: the gateway's shared client (Spring Cloud
 * Gateway's, with the destination rules' resolver of the backend's trust), narrowed to the
 * backend's protocol ({@code h2c}: HTTP/2 with prior knowledge; {@code h2}: HTTP/2 by ALPN) and
 * secured with its own TLS context ({@link UpstreamTlsContexts}). Built once per distinct setting
 * and reused, so connections pool per backend setting as they do for the shared client; rebuilt
 * when the TLS context is reloaded.
 */
public final class UpstreamClients implements RouteTableListener {

    /** The TLS context of a backend cannot be built: its requests are answered 502 with this reason. */
    public static final class TlsUnavailableException extends RuntimeException {
        public TlsUnavailableException(String message) {
            super(message, null, false, false);
        }
    }

    private record Key(DestinationGuard.Trust trust, UpstreamTransport transport) {
    }

    private static final class Entry {
        final UpstreamTlsContexts.Handle tls;
        volatile long version = -1;
        volatile HttpClient client;

        Entry(UpstreamTlsContexts.Handle tls) {
            this.tls = tls;
        }
    }

    private final HttpClient operator;
    private final HttpClient tenant;
    private final UpstreamTlsContexts contexts;
    private final MeterRegistry meters;
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

    /**
     * @param shared Spring Cloud Gateway's client ({@code spring.cloud.gateway.server.webflux.httpclient.*})
     * @param meters where handshake failures are counted, or null
     */
    public UpstreamClients(HttpClient shared, DestinationGuard guard, UpstreamTlsContexts contexts, MeterRegistry meters) {
        this.operator = GuardedAddressResolver.guard(shared, guard, DestinationGuard.Trust.OPERATOR);
        this.tenant = GuardedAddressResolver.guard(shared, guard, DestinationGuard.Trust.TENANT);
        this.contexts = contexts;
        this.meters = meters;
    }

    public UpstreamTlsContexts contexts() {
        return contexts;
    }

    /**
     * The client for a backend with this transport; the shared one for {@code null} (plain HTTP/1.1).
     *
     * @throws TlsUnavailableException when the backend's TLS context could never be built
     */
    public HttpClient client(DestinationGuard.Trust trust, UpstreamTransport transport) {
        HttpClient base = trust == DestinationGuard.Trust.OPERATOR ? operator : tenant;
        if (transport == null) {
            return base;
        }
        Entry e = entries.computeIfAbsent(new Key(trust, transport), k -> new Entry(
                transport.tls() == null ? null : contexts.handle(transport.tls(), transport.protocol() == UpstreamProtocol.H2)));
        if (e.tls == null) {
            HttpClient c = e.client;
            if (c == null) {
                c = build(base, transport, null);
                e.client = c;
            }
            return c;
        }
        long version = e.tls.version();
        HttpClient c = e.client;
        if (c == null || e.version != version) {
            SslContext context = e.tls.context();
            if (context == null) {
                throw new TlsUnavailableException(e.tls.problem() == null ? "not built yet" : e.tls.problem());
            }
            c = build(base, transport, context);
            e.client = c;
            e.version = version;
        }
        return c;
    }

    /** The TLS handle behind a backend's transport, for counting a failed handshake; null without own TLS. */
    public UpstreamTlsContexts.Handle tlsHandle(UpstreamTransport transport) {
        return transport == null || transport.tls() == null ? null
                : contexts.handle(transport.tls(), transport.protocol() == UpstreamProtocol.H2);
    }

    /** A TLS handshake with an instance of {@code upstream} failed: counted per upstream, and by its TLS setting. */
    public void handshakeFailed(String upstream, UpstreamTransport transport, String authority, SSLException cause) {
        UpstreamTlsContexts.Handle h = tlsHandle(transport);
        String reason = reason(cause);
        if (h != null) {
            h.failed(authority, reason);
        }
        if (meters != null) {
            Counter.builder("isthmus.upstream.tls.handshake.failures").description("TLS handshakes with upstream instances that failed")
                    .tag("upstream", upstream).register(meters).increment();
        }
    }

    /**
     * The handshake's reason as the TLS layer states it ("PKIX path validation failed: ... signature
     * check failed", "No subject alternative DNS name matching x found"), else its innermost cause's.
     */
    public static String reason(Throwable cause) {
        String message = cause.getMessage();
        if (message == null) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        }
        return message.length() > 300 ? message.substring(0, 300) + "..." : message;
    }

    /** Keeps only the clients of transports in the routing table now in service. */
    public void retain(Collection<UpstreamTransport> inUse) {
        Set<UpstreamTransport> keep = inUse.stream().filter(Objects::nonNull).collect(Collectors.toSet());
        entries.keySet().removeIf(k -> !keep.contains(k.transport()));
        contexts.retain(keep.stream().map(UpstreamTransport::tls).filter(Objects::nonNull).toList());
    }

    @Override
    public void tableSwapped(RouteTable table, RouteTable previous) {
        List<UpstreamTransport> inUse = new java.util.ArrayList<>();
        for (ActiveRoute r : table.routes()) {
            for (WeightedBackend b : r.compiled().backends()) {
                if (b.transport() != null) {
                    inUse.add(b.transport());
                }
            }
        }
        retain(inUse);
    }

    private static HttpClient build(HttpClient base, UpstreamTransport transport, SslContext context) {
        HttpClient c = switch (transport.protocol()) {
            case H2C -> base.protocol(HttpProtocol.H2C);
            case H2 -> base.protocol(HttpProtocol.H2);
            case HTTP1 -> base.protocol(HttpProtocol.HTTP11);
        };
        if (context == null) {
            return c;
        }
        UpstreamTransport.Tls tls = transport.tls();
        return c.secure(spec -> spec.sslContext(context).handlerConfigurator(handler -> {
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            // with a server name, ServerNameTrustManager checks it alone; without one, the JDK checks the address
            parameters.setEndpointIdentificationAlgorithm(tls.insecureSkipVerify() || tls.serverName() != null ? null : "HTTPS");
            if (tls.serverName() != null) {
                parameters.setServerNames(List.of(new SNIHostName(tls.serverName())));
            }
            engine.setSSLParameters(parameters);
        }));
    }
}
