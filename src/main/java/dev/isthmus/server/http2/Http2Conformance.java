package dev.isthmus.server.http2;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.NettyPipeline;

/**
 * Puts the HTTP/2 protocol checks Reactor Netty and Netty leave out (or get wrong) into a gateway
 * connection's pipeline, so malformed HTTP/2 is refused before anything is routed (RFC 9113; the
 * h2spec conformance suite passes in full, see docs/reliability.md):
 * <ul>
 * <li>{@link Http2PrefaceGuard}, in front of everything else: on the clear-text port, where
 * HTTP/1.1 and HTTP/2 with prior knowledge share one listener, a connection whose first line is
 * neither the HTTP/2 connection preface nor an HTTP/1.x request line is closed without an answer
 * (RFC 9113 §3.4); otherwise it steps aside, or hands over to the frame guard.</li>
 * <li>{@link Http2FrameGuard}, in front of the frame codec: HEADERS or DATA on a stream the client
 * already ended, and HEADERS on a stream identifier the client skipped, are connection errors
 * (RFC 9113 §5.1, §5.1.1). Netty answers both with a stream reset only.</li>
 * <li>{@link Http2StreamGuard}, between the frame codec and the stream multiplexer: request
 * HEADERS without {@code :method}, {@code :scheme} or {@code :path} are reset with PROTOCOL_ERROR
 * and never become a request (RFC 9113 §8.3.1), and every stream error Netty detects (a
 * {@code content-length} that the DATA frames do not add up to, flow-control errors) resets the
 * stream with its own error code rather than CANCEL.</li>
 * </ul>
 * Installed from a {@code doOnChannelInit} callback, which runs after Reactor Netty has laid out
 * the connection's pipeline but before any byte is read. Connections without HTTP/2 are left as
 * they are.
 */
public final class Http2Conformance {

    private static final Logger log = LoggerFactory.getLogger(Http2Conformance.class);

    private Http2Conformance() {
    }

    /** Adds the guards to a freshly initialized gateway connection, if it may speak HTTP/2. */
    public static void install(ChannelPipeline pipeline) {
        if (pipeline.get(NettyPipeline.H2CUpgradeHandler) != null) {
            // clear text, HTTP/1.1 and h2c on one port: the frame codec appears when the preface arrives
            pipeline.addBefore(NettyPipeline.H2CUpgradeHandler, Http2PrefaceGuard.NAME, new Http2PrefaceGuard(true));
        }
        else if (pipeline.get(NettyPipeline.H2OrHttp11Codec) != null) {
            // TLS with ALPN: the frame codec appears after the handshake, before the first byte of data
            pipeline.addBefore(NettyPipeline.H2OrHttp11Codec, Http2PrefaceGuard.NAME, new Http2PrefaceGuard(false));
        }
        else if (pipeline.get(NettyPipeline.HttpCodec) instanceof Http2FrameCodec) {
            // HTTP/2 only: the frame codec is there from the start
            pipeline.addBefore(NettyPipeline.HttpCodec, Http2FrameGuard.NAME, new Http2FrameGuard());
        }
    }

    /**
     * Puts the stream guard right after the frame codec, once the codec is in the pipeline. Called
     * by the frame guard when the connection preface has gone through.
     */
    static void installStreamGuard(ChannelPipeline pipeline) {
        if (pipeline.get(Http2StreamGuard.NAME) != null) {
            return;
        }
        if (pipeline.get(NettyPipeline.HttpCodec) instanceof Http2FrameCodec && pipeline.get(NettyPipeline.H2MultiplexHandler) != null) {
            pipeline.addAfter(NettyPipeline.HttpCodec, Http2StreamGuard.NAME, new Http2StreamGuard());
        }
        else {
            log.warn("HTTP/2 stream checks not installed on {}: no frame codec and multiplexer in the pipeline {}",
                    pipeline.channel(), pipeline.names());
        }
    }
}
