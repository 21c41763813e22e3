package dev.isthmus.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The port of the actuator's own server ({@code management.server.port}), when it has one. Spring
 * Boot's management child context inherits the main context's {@code WebFilter} and
 * {@code HandlerMapping} beans, so every gateway-port filter and the route lookup ask this whether
 * a request arrived there, and stand aside if it did. With {@code management.server.port=0} the
 * port is learnt when that server starts.
 */
public final class ManagementPort implements ApplicationListener<WebServerInitializedEvent> {

    private volatile int port;

    public ManagementPort(Environment environment) {
        Integer server = environment.getProperty("server.port", Integer.class, 8080);
        Integer management = environment.getProperty("management.server.port", Integer.class);
        this.port = management == null || management.equals(server) || management <= 0 ? -1 : management;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if ("management".equals(event.getApplicationContext().getServerNamespace())) {
            this.port = event.getWebServer().getPort();
        }
    }

    /** The port, or -1 when the actuator shares the gateway's server. */
    public int port() {
        return port;
    }

    public boolean receivedOn(ServerHttpRequest request) {
        return isLocalAddress(request.getLocalAddress());
    }

    /** Whether a connection accepted at this local address came in on the management port. */
    public boolean isLocalAddress(SocketAddress local) {
        int p = port;
        return p > 0 && local instanceof InetSocketAddress inet && inet.getPort() == p;
    }
}
