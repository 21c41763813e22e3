package dev.isthmus.server;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deadline for the headers of every request on a connection, whatever the protocol, so a client
 * trickling header bytes (slowloris) cannot hold a connection, on the first request or any later one.
 * Reactor Netty has no such timeout: its idle timeout restarts on every byte read, and its read
 * and request timeouts start once the headers are in.
 *
 * <ul>
 * <li>HTTP/1.1: from the connection's start (TLS handshake included) to the end of the first
 * request's headers; then, once every response is written, from the first byte of the next request
 * to the end of its headers. Between requests the idle timeout ({@code server.netty.idle-timeout})
 * applies. A late client gets 408 and the connection is closed.</li>
 * <li>HTTP/2 (h2c prior knowledge, h2 over TLS): the client preface and first frame within the
 * deadline; then every header block (a HEADERS frame and its CONTINUATION frames) must be complete
 * within the deadline of its first frame. The frames' 9-byte headers are read as they pass, nothing
 * else: Netty's HTTP/2 codec gives no signal while a header block is incomplete. A connection with no
 * open stream for the idle timeout is closed even if the client keeps it busy with PINGs (Reactor
 * Netty's own idle timeout counts those). A late client's connection is closed (GOAWAY).</li>
 * </ul>
 *
 * Installed before the protocol handlers of every gateway-port connection, after TLS and the PROXY
 * protocol decoder, so it sees the plain bytes.
 */
public final class RequestHeaderDeadline extends ChannelInboundHandlerAdapter {

    public static final String NAME = "isthmus.requestHeaderDeadline";
    static final String H1_NAME = "isthmus.requestHeaderDeadline.h1";

    private static final Logger log = LoggerFactory.getLogger(RequestHeaderDeadline.class);
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int TYPE_HEADERS = 0x1;
    private static final int TYPE_CONTINUATION = 0x9;
    private static final int FLAG_END_HEADERS = 0x4;

    private enum Mode { UNKNOWN, H1, H2 }

    private final RequestOutcomes outcomes;
    private final long headerNanos;
    private final long idleNanos;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> idle;
    private Mode mode = Mode.UNKNOWN;
    private int prefaceMatched;

    // HTTP/1.1: requests whose headers arrived minus responses written
    private H1Watcher h1;
    private long pending;

    // HTTP/2: the frame being read
    private final byte[] frameHeader = new byte[9];
    private int frameHeaderFill;
    private long payloadLeft;
    private boolean firstFrameSeen;
    private Http2Connection h2;

    /**
     * @param headerTimeout isthmus.server.request-header-timeout
     * @param idleTimeout server.netty.idle-timeout for HTTP/2 connections without streams; null: none
     */
    public RequestHeaderDeadline(Duration headerTimeout, Duration idleTimeout) {
        this(headerTimeout, idleTimeout, RequestOutcomes.NONE);
    }

    /** @param outcomes told of each 408 (and HTTP/2 close) this sends, and of requests the HTTP/1.1 codec could not decode */
    public RequestHeaderDeadline(Duration headerTimeout, Duration idleTimeout, RequestOutcomes outcomes) {
        this.outcomes = outcomes;
        this.headerNanos = headerTimeout.toNanos();
        this.idleNanos = idleTimeout == null ? 0 : idleTimeout.toNanos();
    }

    /**
     * Adds the deadline to a new connection's pipeline, before the first protocol handler (the
     * HTTP/1.1 codec, the h2c detector or the ALPN negotiation), so after TLS and the PROXY protocol.
     */
    public static void install(ChannelPipeline pipeline, Duration headerTimeout, Duration idleTimeout) {
        install(pipeline, headerTimeout, idleTimeout, RequestOutcomes.NONE);
    }

    public static void install(ChannelPipeline pipeline, Duration headerTimeout, Duration idleTimeout, RequestOutcomes outcomes) {
        String before = null;
        for (String name : new String[] { reactor.netty.NettyPipeline.H2OrHttp11Codec, reactor.netty.NettyPipeline.H2CUpgradeHandler,
                reactor.netty.NettyPipeline.HttpCodec }) {
            if (pipeline.get(name) != null) {
                before = name;
                break;
            }
        }
        if (before == null) {
            ChannelHandlerContext codec = pipeline.context(HttpServerCodec.class);
            if (codec == null) {
                return;
            }
            before = codec.name();
        }
        pipeline.addBefore(before, NAME, new RequestHeaderDeadline(headerTimeout, idleTimeout, outcomes));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            arm();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        cancelIdle();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf buf && buf.isReadable()) {
            onBytes(buf);
        }
        ctx.fireChannelRead(msg);
        if (mode == Mode.H2 && h2 == null) {
            watchStreams(); // the HTTP/2 codec is in the pipeline once the preface has gone through
        }
    }

    private void onBytes(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        if (mode == Mode.UNKNOWN) {
            while (i < end && prefaceMatched < PREFACE.length) {
                if (buf.getByte(i) != PREFACE[prefaceMatched]) {
                    mode = Mode.H1;
                    break;
                }
                prefaceMatched++;
                i++;
            }
            if (mode == Mode.UNKNOWN && prefaceMatched == PREFACE.length) {
                mode = Mode.H2;
            }
        }
        if (mode == Mode.H1) {
            if (h1 == null) {
                installH1Watcher();
            }
            if (pending == 0 && deadline == null) {
                arm(); // the first byte of the next request
            }
        }
        else if (mode == Mode.H2) {
            readFrames(buf, i, end);
        }
    }

    /** Follows frame boundaries: a header block is open from a HEADERS frame without END_HEADERS to the CONTINUATION with it. */
    private void readFrames(ByteBuf buf, int from, int end) {
        int i = from;
        while (i < end) {
            if (payloadLeft > 0) {
                int skip = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= skip;
                i += skip;
                continue;
            }
            frameHeader[frameHeaderFill++] = buf.getByte(i++);
            if (frameHeaderFill < 9) {
                continue;
            }
            frameHeaderFill = 0;
            payloadLeft = ((frameHeader[0] & 0xffL) << 16) | ((frameHeader[1] & 0xffL) << 8) | (frameHeader[2] & 0xffL);
            int type = frameHeader[3] & 0xff;
            boolean endHeaders = (frameHeader[4] & FLAG_END_HEADERS) != 0;
            if (!firstFrameSeen) {
                firstFrameSeen = true;
                cancel(); // preface and first frame in time: from here on, each header block has its own deadline
            }
            if (type == TYPE_HEADERS || type == TYPE_CONTINUATION) {
                if (endHeaders) {
                    cancel();
                }
                else if (deadline == null) {
                    arm();
                }
            }
        }
    }

    private void installH1Watcher() {
        ChannelPipeline p = ctx.pipeline();
        ChannelHandlerContext codec = p.context(HttpServerCodec.class);
        if (codec != null && p.get(H1_NAME) == null) {
            h1 = new H1Watcher(this);
            p.addAfter(codec.name(), H1_NAME, h1);
        }
    }

    private void watchStreams() {
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
        if (codec == null) {
            return;
        }
        h2 = codec.connection();
        if (idleNanos <= 0) {
            return;
        }
        h2.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamActive(Http2Stream stream) {
                cancelIdle();
            }

            @Override
            public void onStreamClosed(Http2Stream stream) {
                if (h2.numActiveStreams() == 0) {
                    armIdle();
                }
            }
        });
        if (h2.numActiveStreams() == 0) {
            armIdle();
        }
    }

    void requestHeadersReceived() {
        pending++;
        cancel();
    }

    void responseWritten() {
        if (pending > 0) {
            pending--;
        }
    }

    private void arm() {
        if (deadline == null && ctx != null) {
            deadline = ctx.executor().schedule(this::expire, headerNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void armIdle() {
        if (idle == null) {
            idle = ctx.executor().schedule(() -> {
                idle = null;
                if (ctx.channel().isActive() && h2 != null && h2.numActiveStreams() == 0) {
                    log.debug("Closing HTTP/2 connection from {}: no stream for the idle timeout", ctx.channel().remoteAddress());
                    ctx.channel().close();
                }
            }, idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelIdle() {
        if (idle != null) {
            idle.cancel(false);
            idle = null;
        }
    }

    private void expire() {
        deadline = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        log.debug("Closing connection from {}: request headers not complete within {} ms", ctx.channel().remoteAddress(),
                TimeUnit.NANOSECONDS.toMillis(headerNanos));
        outcomes.answered(RequestOutcome.HEADER_TIMEOUT);
        if (mode == Mode.H1 && h1 != null && h1.ctx != null) {
            h1.requestTimeout();
        }
        else {
            ctx.channel().close(); // HTTP/2: the codec sends GOAWAY as the channel closes
        }
    }

    /** After the HTTP/1.1 codec: sees when a request's headers are complete and when its response is written. */
    static final class H1Watcher extends ChannelDuplexHandler {
        private final RequestHeaderDeadline deadline;
        private ChannelHandlerContext ctx;

        H1Watcher(RequestHeaderDeadline deadline) {
            this.deadline = deadline;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof HttpRequest request) {
                deadline.requestHeadersReceived();
                // Reactor Netty answers it (400, 414, 431) and closes; no web filter sees it. The codec also
                // emits a failed request for headers cut short by the connection closing: no answer then.
                if (request.decoderResult().isFailure() && ctx.channel().isActive()) {
                    Throwable cause = request.decoderResult().cause();
                    deadline.outcomes.answered(cause instanceof io.netty.handler.codec.http.TooLongHttpLineException ? RequestOutcome.URI_TOO_LONG
                            : cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException ? RequestOutcome.HEADERS_TOO_LARGE
                                    : RequestOutcome.MALFORMED);
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            // 1xx (100 Continue, 101 Switching Protocols) do not end the exchange
            boolean informational = msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            if (msg instanceof LastHttpContent && !informational) {
                deadline.responseWritten();
            }
            ctx.write(msg, promise);
        }

        void requestTimeout() {
            DefaultFullHttpResponse timeout = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_TIMEOUT);
            timeout.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE).set(HttpHeaderNames.CONTENT_LENGTH, 0);
            ctx.writeAndFlush(timeout).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public boolean isSharable() {
            return false;
        }
    }

    @Override
    public boolean isSharable() {
        return false;
    }
}
