package dev.isthmus.runtime;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import reactor.netty.http.HttpResources;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.LoopResources;
import reactor.netty.transport.NameResolverProvider;

import dev.isthmus.compile.ownership.DestinationGuard;

/**
 * The destination rules ({@link DestinationGuard}) applied where the upstream connection is made:
 * an address resolver that wraps the HTTP client's own and refuses every address the guard denies,
 * after DNS, so a {@code url:} host name (or an FQDN EndpointSlice, or a Consul instance registered
 * by name) that resolves to the admin port, loopback or a metadata address is never connected to:
 * checking names as literals only would let {@code 169.254.169.254.nip.io} through. Addresses that
 * are literals already pass through it too (the compile step and the registries checked them; this
 * is the last line). Of several addresses, the allowed ones are used; with none the connection
 * fails with {@link DeniedDestinationException}, before any packet is sent.
 *
 * <p>Netty has no such hook other than the resolver, and Reactor Netty's resolved-address
 * selector cannot fail a connection with a reason, hence this class. {@link #guard} gives an
 * {@link HttpClient} one per trust, each with its own connection pool (the trust is a channel
 * attribute, part of Reactor Netty's pool key), so an operator's pooled connection to a loopback
 * sidecar is never handed to a tenant's request for the same name.
 */
public final class GuardedAddressResolver extends AddressResolverGroup<InetSocketAddress> {

    /** Which trust a connection was resolved for. */
    public static final AttributeKey<DestinationGuard.Trust> TRUST = AttributeKey.valueOf("isthmus.upstream-trust");

    /** The connection was refused by the destination rules: nothing was sent. */
    public static final class DeniedDestinationException extends java.net.ConnectException {
        public DeniedDestinationException(String message) {
            super(message);
        }
    }

    private final AddressResolverGroup<? extends SocketAddress> delegate;
    private final DestinationGuard guard;
    private final DestinationGuard.Trust trust;

    public GuardedAddressResolver(AddressResolverGroup<? extends SocketAddress> delegate, DestinationGuard guard, DestinationGuard.Trust trust) {
        this.delegate = delegate;
        this.guard = guard;
        this.trust = trust;
    }

    /** The client with this guard's resolver (around its own) and a connection pool of its own for this trust. */
    public static HttpClient guard(HttpClient client, DestinationGuard guard, DestinationGuard.Trust trust) {
        return client.resolver(new GuardedAddressResolver(innerResolver(client), guard, trust)).attr(TRUST, trust);
    }

    /**
     * The resolver the client would use without this one: its own, or (the usual case, as
     * {@code configuration().resolver()} is null until one is set) a DNS resolver group built as
     * Reactor Netty builds its default, from the client's name-resolver settings and event loops.
     */
    private static AddressResolverGroup<? extends SocketAddress> innerResolver(HttpClient client) {
        var config = client.configuration();
        if (config.resolver() != null) {
            return config.resolver();
        }
        NameResolverProvider provider = config.getNameResolverProvider() != null ? config.getNameResolverProvider()
                : NameResolverProvider.builder().build();
        LoopResources loops = config.loopResources() != null ? config.loopResources() : HttpResources.get();
        return provider.newNameResolverGroup(loops, config.isPreferNative());
    }

    @Override
    @SuppressWarnings("unchecked")
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        AddressResolver<SocketAddress> inner = (AddressResolver<SocketAddress>) delegate.getResolver(executor);
        return new AbstractAddressResolver<>(executor, InetSocketAddress.class) {
            @Override
            protected boolean doIsResolved(InetSocketAddress address) {
                return false; // always through doResolve: resolved addresses are checked too
            }

            @Override
            protected void doResolve(InetSocketAddress address, Promise<InetSocketAddress> promise) {
                if (!address.isUnresolved()) {
                    check(List.of(address), address, promise);
                    return;
                }
                inner.resolveAll(address).addListener((Future<List<SocketAddress>> f) -> {
                    if (f.isSuccess()) {
                        check(f.getNow(), address, promise);
                    }
                    else {
                        promise.tryFailure(f.cause());
                    }
                });
            }

            @Override
            protected void doResolveAll(InetSocketAddress address, Promise<List<InetSocketAddress>> promise) {
                if (!address.isUnresolved()) {
                    checkAll(List.of(address), address, promise);
                    return;
                }
                inner.resolveAll(address).addListener((Future<List<SocketAddress>> f) -> {
                    if (f.isSuccess()) {
                        checkAll(f.getNow(), address, promise);
                    }
                    else {
                        promise.tryFailure(f.cause());
                    }
                });
            }

            @Override
            public void close() {
                // the delegate group owns the inner resolver
            }
        };
    }

    private void check(List<? extends SocketAddress> resolved, InetSocketAddress requested, Promise<InetSocketAddress> promise) {
        List<InetSocketAddress> allowed = new ArrayList<>();
        String why = allowed(resolved, allowed);
        if (allowed.isEmpty()) {
            promise.tryFailure(denied(requested, why));
        }
        else {
            promise.trySuccess(allowed.get(0));
        }
    }

    private void checkAll(List<? extends SocketAddress> resolved, InetSocketAddress requested, Promise<List<InetSocketAddress>> promise) {
        List<InetSocketAddress> allowed = new ArrayList<>();
        String why = allowed(resolved, allowed);
        if (allowed.isEmpty()) {
            promise.tryFailure(denied(requested, why));
        }
        else {
            promise.trySuccess(allowed);
        }
    }

    /** Fills {@code allowed}; returns the refusal of the last denied address, if any. */
    private String allowed(List<? extends SocketAddress> resolved, List<InetSocketAddress> allowed) {
        String why = "it resolves to no address";
        for (SocketAddress a : resolved) {
            if (a instanceof InetSocketAddress inet && !inet.isUnresolved()) {
                String refusal = guard.refusal(inet.getAddress(), inet.getPort(), trust);
                if (refusal == null) {
                    allowed.add(inet);
                }
                else {
                    why = inet.getAddress().getHostAddress() + ":" + inet.getPort() + " is " + refusal;
                }
            }
        }
        return why;
    }

    private static DeniedDestinationException denied(InetSocketAddress requested, String why) {
        return new DeniedDestinationException("upstream " + requested.getHostString() + ":" + requested.getPort()
                + " refused by the destination rules: " + why);
    }
}
