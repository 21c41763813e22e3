package dev.isthmus.server.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits between Netty's HTTP/2 frame codec and its stream multiplexer, where frames are decoded but
 * no request exists yet, and does three things:
 * <ul>
 * <li><b>Required pseudo-headers.</b> The first HEADERS of a client stream must carry
 * {@code :method}, {@code :scheme} and a non-empty {@code :path}, or {@code :method: CONNECT} and
 * {@code :authority} (RFC 9113 §8.3.1); otherwise the request is malformed, a stream error of type
 * PROTOCOL_ERROR (§8.1.1). Netty 4.2.18 has this check ({@code Http2FrameCodecBuilder
 * .validateRequiredPseudoHeaders}), but off by default, and Reactor Netty builds the codec without
 * a way to turn it on, so it is repeated here with the same rules. Without it a request lacking
 * {@code :scheme} is proxied, one lacking {@code :path} fails in conversion, and one lacking
 * {@code :method} is taken for trailers and the stream hangs.</li>
 * <li><b>Stream errors keep their error code.</b> For a stream error Netty detects on a live
 * stream (DATA that does not add up to the {@code content-length}, a flow-control window
 * overflow, a zero WINDOW_UPDATE) the frame codec writes no RST_STREAM: it hands the error to the
 * multiplexer, which fires it into the stream's channel and only then resets the stream with the
 * error's code. Reactor Netty closes the stream channel on that exception, so the reset goes out
 * as CANCEL (Netty bug, docs/upstream/netty-http2-multiplex-reset-code.md), and on the way
 * Spring WebFlux logs a 500 for a client's protocol error. Here the stream is reset with the
 * error's own code, and the error goes no further: the stream's channel sees an ordinary reset, so
 * a request already on its way upstream is cancelled, and its upstream connection closed, as when
 * a client goes away.</li>
 * <li><b>No complete request from a body that is too long.</b> The frame that brings a request
 * body to its declared {@code content-length} waits for END_STREAM before it goes on (see
 * {@link #onData}), so a body longer than declared reaches the upstream truncated, never as a
 * well-formed request of its own.</li>
 * </ul>
 * Connection errors the codec reports after it has sent GOAWAY stop here too (logged at debug):
 * past this point they only produce a warning per connection ("reached the tail of the
 * pipeline"), which lets any client write to the gateway's log at will.
 */
final class Http2StreamGuard extends ChannelInboundHandlerAdapter {

    static final String NAME = "isthmus.h2StreamGuard";

    private static final Logger log = LoggerFactory.getLogger(Http2StreamGuard.class);

    /** Client streams open in increasing order, so a stream's first HEADERS has a higher identifier than any before it. */
    private int highestStream;

    /** Requests with a content-length whose END_STREAM has not arrived yet; allocated on first use. */
    private IntObjectMap<DeclaredLength> declared;

    /** A request body's declared length, and the frame that completed it, held until END_STREAM. */
    private static final class DeclaredLength {
        long remaining;
        Http2StreamFrame held;

        DeclaredLength(long remaining) {
            this.remaining = remaining;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data && declared != null) {
            onData(ctx, data);
        }
        else if (msg instanceof Http2HeadersFrame headers && headers.stream() != null) {
            onHeaders(ctx, headers);
        }
        else {
            if (msg instanceof Http2ResetFrame reset && declared != null) {
                discard(reset.stream().id());
            }
            ctx.fireChannelRead(msg);
        }
    }

    private void onHeaders(ChannelHandlerContext ctx, Http2HeadersFrame headers) {
        int id = headers.stream().id();
        if (id <= highestStream) { // trailers: they end the stream, and the body is complete
            release(ctx, id, true);
            ctx.fireChannelRead(headers);
            return;
        }
        highestStream = id;
        String missing = missingPseudoHeader(headers.headers());
        if (missing != null) {
            log.debug("{}: stream {} reset (PROTOCOL_ERROR): request HEADERS without {}", ctx.channel(), id, missing);
            reset(ctx, headers.stream(), Http2Error.PROTOCOL_ERROR);
            return;
        }
        if (!headers.isEndStream()) {
            // Netty has already refused an unparsable or repeated content-length (stream error)
            Long length = headers.headers().getLong(HttpHeaderNames.CONTENT_LENGTH);
            if (length != null) {
                DeclaredLength d = new DeclaredLength(length);
                if (declared == null) {
                    declared = new IntObjectHashMap<>();
                }
                declared.put(id, d);
                if (length == 0) {
                    d.held = headers;
                    return;
                }
            }
        }
        ctx.fireChannelRead(headers);
    }

    /**
     * Netty refuses a DATA frame that goes past the content-length, and an END_STREAM that comes
     * before it, but only once they arrive: the frames before were already delivered. So the frame
     * that completes the declared length waits here for END_STREAM (which clients send with it, or
     * right after). If more DATA comes instead, the stream is reset and the upstream never receives
     * a complete request; it sees at most a truncated body, then its connection closes.
     */
    private void onData(ChannelHandlerContext ctx, Http2DataFrame data) {
        int id = data.stream().id();
        DeclaredLength d = declared.get(id);
        if (d == null) {
            ctx.fireChannelRead(data);
            return;
        }
        if (d.held != null) {
            // Netty let this frame through, so it carries no bytes past the length
            Http2StreamFrame held = d.held;
            d.held = null;
            ctx.fireChannelRead(held);
        }
        d.remaining -= data.content().readableBytes();
        if (data.isEndStream()) {
            declared.remove(id);
        }
        else if (d.remaining == 0) {
            d.held = data;
            return;
        }
        ctx.fireChannelRead(data);
    }

    /** Forwards a held frame (the stream goes on) or drops it (the stream is gone). */
    private void release(ChannelHandlerContext ctx, int id, boolean forward) {
        DeclaredLength d = declared == null ? null : declared.remove(id);
        if (d != null && d.held != null) {
            if (forward) {
                ctx.fireChannelRead(d.held);
            }
            else {
                ReferenceCountUtil.release(d.held);
            }
        }
    }

    private void discard(int id) {
        if (declared != null) {
            DeclaredLength d = declared.remove(id);
            if (d != null && d.held != null) {
                ReferenceCountUtil.release(d.held);
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (declared != null && evt instanceof Http2FrameStreamEvent event && event.stream().state() == Http2Stream.State.CLOSED) {
            discard(event.stream().id());
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException streamError) {
            log.debug("{}: stream {} reset ({}): {}", ctx.channel(), streamError.stream().id(), streamError.error(),
                    streamError.getCause() != null ? streamError.getCause().getMessage() : streamError.getMessage());
            discard(streamError.stream().id());
            reset(ctx, streamError.stream(), streamError.error());
            return;
        }
        if (cause instanceof Http2Exception http2 && !(cause instanceof Http2Exception.StreamException)) {
            // a connection error the codec detected, fired here before it sends GOAWAY and closes;
            // other exceptions (I/O errors, bugs) go on as before
            log.debug("{}: HTTP/2 connection error {}: {}", ctx.channel(), http2.error(), http2.getMessage());
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (declared != null) {
            for (DeclaredLength d : declared.values()) {
                if (d.held != null) {
                    ReferenceCountUtil.release(d.held);
                }
            }
            declared = null;
        }
    }

    private static void reset(ChannelHandlerContext ctx, Http2FrameStream stream, Http2Error error) {
        // through the frame codec, which sits in front of this handler
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(error).stream(stream), ctx.voidPromise());
    }

    /** The first required pseudo-header a request lacks, or null (the rules of Netty's validateRequiredPseudoHeaders). */
    static String missingPseudoHeader(Http2Headers headers) {
        CharSequence method = headers.method();
        if (method == null) {
            return ":method";
        }
        if (HttpMethod.CONNECT.asciiName().contentEquals(method) && !headers.contains(Http2Headers.PseudoHeaderName.PROTOCOL.value())) {
            return headers.authority() == null ? ":authority" : null; // CONNECT has no :scheme or :path (§8.5)
        }
        if (headers.scheme() == null) {
            return ":scheme";
        }
        CharSequence path = headers.path();
        return path == null || path.length() == 0 ? ":path" : null;
    }
}
