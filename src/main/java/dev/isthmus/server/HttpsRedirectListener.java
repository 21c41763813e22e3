package dev.isthmus.server;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.regex.Pattern;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import org.springframework.context.SmartLifecycle;

/**
 * A second, plain-HTTP port that answers every request with a redirect to the same host, path
 * and query over https. Written by hand because Spring Boot's reactive web server binds exactly
 * one port: {@code NettyReactiveWebServerFactory} has no additional-connector hook (Tomcat's
 * {@code addAdditionalConnectors} has no reactor-netty counterpart) and Spring Boot has no
 * redirect-to-https feature for WebFlux. It is a bare reactor-netty server that never reaches the
 * gateway's routes, so nothing on it can be proxied. It faces the same clients as the gateway port,
 * so it gets the same {@link ServerHardening}: header and idle timeouts, PROXY protocol from the
 * configured load balancers.
 */
public final class HttpsRedirectListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(HttpsRedirectListener.class);

    /** A host name, IPv4 address or bracketed IPv6 address, with an optional port. */
    private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?");

    private final String address;
    private final int port;
    private final int httpsPort;
    private final HttpResponseStatus status;
    private final ServerHardening hardening;
    private volatile DisposableServer server;

    public HttpsRedirectListener(HttpsRedirectProperties properties, ServerHardening hardening) {
        if (!HttpsRedirectProperties.REDIRECT_STATUSES.contains(properties.getStatus())) {
            throw new IllegalArgumentException("isthmus.http-redirect.status must be one of "
                    + HttpsRedirectProperties.REDIRECT_STATUSES + ", not " + properties.getStatus());
        }
        this.address = properties.getAddress();
        this.port = properties.getPort();
        this.httpsPort = properties.getHttpsPort();
        this.status = HttpResponseStatus.valueOf(properties.getStatus());
        this.hardening = hardening;
    }

    /**
     * The https URL for a request, or null when the Host header is missing or malformed (the
     * listener answers 400 then: there is no safe host to redirect to).
     */
    static String location(String hostHeader, String requestUri, int httpsPort) {
        if (hostHeader == null || !HOST.matcher(hostHeader).matches()) {
            return null;
        }
        String host = hostHeader;
        int colon = host.lastIndexOf(':');
        if (colon > host.lastIndexOf(']')) {
            host = host.substring(0, colon);
        }
        String authority = httpsPort == 443 ? host : host + ":" + httpsPort;
        return "https://" + authority + pathAndQuery(requestUri);
    }

    private static String pathAndQuery(String requestUri) {
        if (requestUri != null && requestUri.startsWith("/")) {
            return requestUri;
        }
        try {
            // absolute-form (a client talking to a proxy): keep only path and query. Anything else
            // (asterisk-form, garbage) becomes "/": text glued after the host could change the host.
            URI uri = URI.create(requestUri);
            if (!uri.isAbsolute() || uri.getRawPath() == null || !uri.getRawPath().startsWith("/")) {
                return "/";
            }
            return uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery();
        }
        catch (IllegalArgumentException | NullPointerException e) {
            return "/";
        }
    }

    private Mono<Void> redirect(HttpServerRequest request, HttpServerResponse response) {
        String location = location(request.requestHeaders().get(HttpHeaderNames.HOST), request.uri(), httpsPort);
        if (location == null) {
            return response.status(HttpResponseStatus.BAD_REQUEST).send();
        }
        return response.status(status).header(HttpHeaderNames.LOCATION, location).send();
    }

    @Override
    public void start() {
        InetSocketAddress bind = address == null || address.isBlank() ? new InetSocketAddress(port) : new InetSocketAddress(address, port);
        HttpServer http = HttpServer.create().bindAddress(() -> bind).handle(this::redirect);
        if (hardening != null) {
            http = hardening.apply(http).doOnChannelInit((observer, channel, address) -> hardening.initChannel(channel));
        }
        server = http.bindNow(Duration.ofSeconds(10));
        log.info("HTTP to HTTPS redirect listening on port {} ({} to https port {})", server.port(), status.code(), httpsPort);
    }

    @Override
    public void stop() {
        DisposableServer s = server;
        if (s != null) {
            s.disposeNow(Duration.ofSeconds(5));
            server = null;
        }
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        DisposableServer s = server;
        return s == null ? -1 : s.port();
    }
}
