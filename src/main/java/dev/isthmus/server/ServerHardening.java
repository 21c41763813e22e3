package dev.isthmus.server;

import java.time.Duration;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.ProxyProtocolSupportType;

import dev.isthmus.server.http2.Http2Conformance;

import dev.isthmus.model.Cidrs;

/**
 * What the gateway's listeners do about who the client is and about slow or abusive clients,
 * applied to a Reactor Netty {@link HttpServer}: the gateway port (through Spring Boot's
 * {@code NettyServerCustomizer}), the HTTP to HTTPS redirect listener, and any other listener that
 * serves untrusted clients.
 *
 * @param headerTimeout see {@link RequestHeaderDeadline}
 * @param readTimeout longest silence between two reads of a request body
 * @param idleTimeout longest time a connection waits for its next request; null: none
 * @param trustedProxies peers whose X-Forwarded-For / Forwarded are believed
 * @param proxyProtocolFrom peers that may (must, to be believed) send a PROXY protocol header; empty: PROXY protocol off
 * @param maxConcurrentStreams HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS
 * @param h2cUpgrade honour {@code Upgrade: h2c} (prior knowledge is always accepted when HTTP/2 is on)
 * @param outcomes told of the requests the transport answers itself (metrics)
 */
public record ServerHardening(Duration headerTimeout, Duration readTimeout, Duration idleTimeout, Cidrs trustedProxies,
        Cidrs proxyProtocolFrom, long maxConcurrentStreams, boolean h2cUpgrade, RequestOutcomes outcomes) {

    public ServerHardening {
        outcomes = outcomes == null ? RequestOutcomes.NONE : outcomes;
    }

    public ServerHardening(Duration headerTimeout, Duration readTimeout, Duration idleTimeout, Cidrs trustedProxies,
            Cidrs proxyProtocolFrom, long maxConcurrentStreams, boolean h2cUpgrade) {
        this(headerTimeout, readTimeout, idleTimeout, trustedProxies, proxyProtocolFrom, maxConcurrentStreams, h2cUpgrade, RequestOutcomes.NONE);
    }

    public boolean proxyProtocol() {
        return !proxyProtocolFrom.isEmpty();
    }

    /** Server-wide settings; {@link #initChannel} must also run for each new connection. */
    public HttpServer apply(HttpServer server) {
        HttpServer s = server.readTimeout(readTimeout).http2Settings(h2 -> h2.maxConcurrentStreams(maxConcurrentStreams));
        if (idleTimeout != null) {
            s = s.idleTimeout(idleTimeout);
        }
        if (proxyProtocol()) {
            // AUTO: a trusted load balancer's own health checks may come without the header
            s = s.proxyProtocol(ProxyProtocolSupportType.AUTO);
        }
        if (!trustedProxies.isEmpty() || proxyProtocol()) {
            s = s.forwarded(new TrustedProxies(trustedProxies));
        }
        return s;
    }

    /** Per connection, from {@code HttpServer.doOnChannelInit}: after Reactor Netty has built the pipeline. */
    public void initChannel(Channel channel) {
        ChannelPipeline p = channel.pipeline();
        if (proxyProtocol() && !proxyProtocolFrom.contains(channel.remoteAddress())) {
            refuseProxyProtocol(p);
        }
        if (!h2cUpgrade) {
            H2cUpgradeRefusal.install(p);
        }
        RequestHeaderDeadline.install(p, headerTimeout, idleTimeout, outcomes);
        // after the deadline, so a slow preface is still cut off
        Http2Conformance.install(p);
    }

    /**
     * A peer that is not a configured load balancer gets no PROXY protocol decoder: a PROXY header
     * it sends is then an invalid HTTP request (400), never a claim about the client's address.
     */
    public static void refuseProxyProtocol(ChannelPipeline p) {
        if (p.get(NettyPipeline.ProxyProtocolDecoder) != null) {
            p.remove(NettyPipeline.ProxyProtocolDecoder);
        }
        if (p.get(NettyPipeline.ProxyProtocolReader) != null) {
            p.remove(NettyPipeline.ProxyProtocolReader);
        }
    }
}
