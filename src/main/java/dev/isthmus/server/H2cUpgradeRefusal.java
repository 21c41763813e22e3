package dev.isthmus.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;

/**
 * Serves {@code Upgrade: h2c} requests as the HTTP/1.1 requests they also are, by removing the
 * upgrade offer before Netty's upgrade handler sees it (RFC 9110 §7.8 lets a server ignore it).
 * Behind an HTTP/1.1 proxy, an honoured h2c upgrade turns the proxy's connection into an HTTP/2
 * tunnel that its path rules no longer see ("h2c smuggling"). Reactor Netty offers h2c with prior
 * knowledge and upgrade together, with no switch for the upgrade alone; prior knowledge stays (a
 * proxy never forwards the HTTP/2 preface as a request). Isthmus' {@code isthmus.server.http2.h2c-upgrade}.
 */
@ChannelHandler.Sharable
public final class H2cUpgradeRefusal extends ChannelInboundHandlerAdapter {

    public static final String NAME = "isthmus.h2cUpgradeRefusal";
    static final H2cUpgradeRefusal INSTANCE = new H2cUpgradeRefusal();

    /** Before the HTTP/1.1 upgrade handler, when the pipeline has one (clear text with HTTP/2 on). */
    public static void install(ChannelPipeline pipeline) {
        var upgrade = pipeline.context(HttpServerUpgradeHandler.class);
        if (upgrade != null) {
            pipeline.addBefore(upgrade.name(), NAME, INSTANCE);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
            if (upgrade != null && upgrade.toLowerCase(java.util.Locale.ROOT).contains("h2c")) {
                request.headers().remove(HttpHeaderNames.UPGRADE).remove("HTTP2-Settings");
            }
        }
        ctx.fireChannelRead(msg);
    }
}
