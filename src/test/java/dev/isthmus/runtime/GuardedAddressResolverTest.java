package dev.isthmus.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.model.Cidrs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The destination rules where the upstream connection is made, on a real Reactor Netty client and a
 * real loopback listener that counts connections: a name that resolves to loopback (here through a
 * resolver that answers as a hostile DNS server would, so no query leaves the machine) is refused
 * for a tenant before anything connects, and allowed for the operator.
 */
class GuardedAddressResolverTest {

    ServerSocket trap;
    final AtomicInteger connections = new AtomicInteger();

    @AfterEach
    void close() throws IOException {
        if (trap != null) {
            trap.close();
        }
    }

    void listen() throws IOException {
        trap = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!trap.isClosed()) {
                try (Socket s = trap.accept()) {
                    connections.incrementAndGet();
                    s.getOutputStream().write("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".getBytes());
                }
                catch (IOException e) {
                    // closed
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** Answers every name with 127.0.0.1, as a DNS record an attacker controls would. */
    static final class LoopbackAnswers extends AddressResolverGroup<InetSocketAddress> {
        @Override
        protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
            return new AbstractAddressResolver<>(executor, InetSocketAddress.class) {
                @Override
                protected boolean doIsResolved(InetSocketAddress address) {
                    return !address.isUnresolved();
                }

                @Override
                protected void doResolve(InetSocketAddress address, Promise<InetSocketAddress> promise) {
                    promise.setSuccess(new InetSocketAddress(InetAddress.getLoopbackAddress(), address.getPort()));
                }

                @Override
                protected void doResolveAll(InetSocketAddress address, Promise<List<InetSocketAddress>> promise) {
                    promise.setSuccess(List.<InetSocketAddress>of(new InetSocketAddress(InetAddress.getLoopbackAddress(), address.getPort())));
                }
            };
        }
    }

    static final DestinationGuard GUARD = new DestinationGuard(Cidrs.parse(DestinationGuard.DEFAULT_DENIED), false, Cidrs.NONE, Set.of(1));

    Integer status(DestinationGuard.Trust trust, String url) {
        HttpClient client = GuardedAddressResolver.guard(HttpClient.create().resolver(new LoopbackAnswers()), GUARD, trust);
        return client.get().uri(url).response().map(r -> r.status().code()).block(Duration.ofSeconds(10));
    }

    @Test
    void aNameResolvingToLoopbackIsRefusedForATenantBeforeAnythingConnects() throws IOException {
        listen();
        String url = "http://evil.example.test:" + trap.getLocalPort() + "/";
        assertThatThrownBy(() -> status(DestinationGuard.Trust.TENANT, url)).hasRootCauseInstanceOf(
                GuardedAddressResolver.DeniedDestinationException.class).rootCause().hasMessageContaining("127.0.0.1:" + trap.getLocalPort())
                .hasMessageContaining("loopback");
        assertThat(connections.get()).as("connections the listener saw").isZero();

        assertThat(status(DestinationGuard.Trust.OPERATOR, url)).as("the operator may use loopback").isEqualTo(204);
        assertThat(connections.get()).isEqualTo(1);
    }

    @Test
    void theGatewaysOwnPortsAreRefusedEvenToTheOperator() throws IOException {
        listen();
        DestinationGuard ownPort = new DestinationGuard(Cidrs.NONE, true, Cidrs.NONE, Set.of(trap.getLocalPort()));
        HttpClient client = GuardedAddressResolver.guard(HttpClient.create().resolver(new LoopbackAnswers()), ownPort,
                DestinationGuard.Trust.OPERATOR);
        assertThatThrownBy(() -> client.get().uri("http://admin.example.test:" + trap.getLocalPort() + "/").response()
                .block(Duration.ofSeconds(10))).hasRootCauseInstanceOf(GuardedAddressResolver.DeniedDestinationException.class);
        assertThat(connections.get()).isZero();
    }

    @Test
    void aClientWithoutAResolverOfItsOwnKeepsReactorNettysDnsResolverBehindTheGuard() throws IOException {
        // the gateway's HttpClient bean sets no resolver: the guard must wrap Reactor Netty's default (the hosts file answers localhost)
        listen();
        String url = "http://localhost:" + trap.getLocalPort() + "/";
        HttpClient operator = GuardedAddressResolver.guard(HttpClient.create(), GUARD, DestinationGuard.Trust.OPERATOR);
        assertThat(operator.configuration().resolver()).isInstanceOf(GuardedAddressResolver.class);
        assertThat(operator.get().uri(url).response().map(r -> r.status().code()).block(Duration.ofSeconds(10))).isEqualTo(204);
        HttpClient tenant = GuardedAddressResolver.guard(HttpClient.create(), GUARD, DestinationGuard.Trust.TENANT);
        assertThatThrownBy(() -> tenant.get().uri(url).response().block(Duration.ofSeconds(10)))
                .hasRootCauseInstanceOf(GuardedAddressResolver.DeniedDestinationException.class);
        assertThat(connections.get()).as("only the operator's request connected").isEqualTo(1);
    }
}
