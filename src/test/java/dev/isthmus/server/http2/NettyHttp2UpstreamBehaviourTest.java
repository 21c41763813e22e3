package dev.isthmus.server.http2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Netty 4.2.18 behaviours Isthmus works around (docs/upstream/), pinned: these are the minimal
 * reproducers of the bug reports, with a bare Netty HTTP/2 server (frame codec and multiplexer, as
 * Reactor Netty sets them up) in an embedded channel. When an upgrade makes one of them fail, Netty
 * has fixed it: check the report, and whether the workaround can go.
 */
class NettyHttp2UpstreamBehaviourTest {

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    static byte[] frame(int type, int flags, int streamId, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        b.put((byte) type).put((byte) flags).putInt(streamId).put(payload);
        return b.array();
    }

    static byte[] headersFrame(int streamId, boolean endStream, Http2Headers headers) throws Exception {
        ByteBuf block = Unpooled.buffer();
        new DefaultHttp2HeadersEncoder().encodeHeaders(streamId, headers, block);
        byte[] payload = ByteBufUtil.getBytes(block);
        block.release();
        return frame(0x1, 0x4 | (endStream ? 0x1 : 0), streamId, payload);
    }

    static Http2Headers post() {
        return new DefaultHttp2Headers().method("POST").scheme("http").path("/").authority("localhost");
    }

    /**
     * A server: Http2FrameCodec and Http2MultiplexHandler; each stream channel gets {@code child}.
     * Streams start at 3: an embedded channel has no server parent, so the multiplexer would take
     * stream 1 for a client's upgrade stream.
     */
    static EmbeddedChannel server(ChannelInboundHandlerAdapter child) {
        EmbeddedChannel channel = new EmbeddedChannel(Http2FrameCodecBuilder.forServer().build(),
                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(child);
                    }
                }));
        channel.writeInbound(Unpooled.wrappedBuffer(PREFACE), Unpooled.wrappedBuffer(frame(0x4, 0, 0, new byte[0])));
        return channel;
    }

    /** The error codes of the RST_STREAM frames the server wrote. */
    static List<Long> resets(EmbeddedChannel channel) {
        List<Long> codes = new ArrayList<>();
        ByteBuf out = Unpooled.buffer();
        for (Object o; (o = channel.readOutbound()) != null;) {
            out.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        while (out.readableBytes() >= 9) {
            int length = out.readUnsignedMedium();
            int type = out.readUnsignedByte();
            out.skipBytes(5);
            if (type == 0x3) {
                codes.add(out.getUnsignedInt(out.readerIndex()));
            }
            out.skipBytes(length);
        }
        out.release();
        return codes;
    }

    /** Closes its stream channel on any exception, as Reactor Netty's ChannelOperations do. */
    @io.netty.channel.ChannelHandler.Sharable
    static final class ClosesOnError extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Leaves exceptions alone: they reach the end of the stream channel's pipeline. */
    @io.netty.channel.ChannelHandler.Sharable
    static class IgnoresErrors extends ChannelInboundHandlerAdapter {
    }

    /**
     * docs/upstream/netty-http2-multiplex-reset-code.md: a content-length mismatch is a stream error
     * of type PROTOCOL_ERROR. Http2MultiplexHandler.exceptionCaught fires it into the stream channel
     * and only then calls closeWithError(PROTOCOL_ERROR); a stream channel that closes itself on the
     * exception has already sent RST_STREAM(CANCEL), and the second close is a no-op.
     */
    @Test
    void aStreamErrorIsResetAsCancelWhenTheStreamChannelClosesOnTheException() throws Exception {
        EmbeddedChannel channel = server(new ClosesOnError());
        resets(channel);
        channel.writeInbound(Unpooled.wrappedBuffer(headersFrame(3, false, post().setInt("content-length", 1))),
                Unpooled.wrappedBuffer(frame(0x0, 0x1, 3, "test".getBytes(StandardCharsets.US_ASCII))));
        assertThat(resets(channel)).as("RST_STREAM error codes").containsExactly(Http2Error.CANCEL.code());
        channel.finishAndReleaseAll();
    }

    @Test
    void theSameStreamErrorIsResetAsProtocolErrorWhenTheStreamChannelLeavesTheExceptionAlone() throws Exception {
        EmbeddedChannel channel = server(new IgnoresErrors());
        resets(channel);
        channel.writeInbound(Unpooled.wrappedBuffer(headersFrame(3, false, post().setInt("content-length", 1))),
                Unpooled.wrappedBuffer(frame(0x0, 0x1, 3, "test".getBytes(StandardCharsets.US_ASCII))));
        assertThat(resets(channel)).containsExactly(Http2Error.PROTOCOL_ERROR.code());
        channel.finishAndReleaseAll();
    }

    /**
     * docs/upstream/netty-http2-trailers-flag.md: a stream opened by HEADERS with END_STREAM is
     * marked as having received trailers (DefaultStream.activate() calls headersReceived, then
     * DefaultHttp2ConnectionDecoder.onHeadersRead calls it again), so a second HEADERS on that
     * half-closed (remote) stream is refused as "too many headers", PROTOCOL_ERROR, where RFC 9113
     * §5.1 asks for STREAM_CLOSED.
     */
    @Test
    void headersOnAHalfClosedRemoteStreamAreResetAsProtocolErrorNotStreamClosed() throws Exception {
        List<Boolean> trailersReceived = new ArrayList<>();
        EmbeddedChannel channel = server(new IgnoresErrors() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                Http2StreamChannel stream = (Http2StreamChannel) ctx.channel();
                var codec = stream.parent().pipeline().get(io.netty.handler.codec.http2.Http2FrameCodec.class);
                trailersReceived.add(codec.connection().stream(stream.stream().id()).isTrailersReceived());
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        });
        resets(channel);
        channel.writeInbound(Unpooled.wrappedBuffer(headersFrame(3, true, post())));
        assertThat(trailersReceived).as("after one HEADERS frame, without trailers").containsExactly(true);
        channel.writeInbound(Unpooled.wrappedBuffer(headersFrame(3, true, post())));
        assertThat(resets(channel)).containsExactly(Http2Error.PROTOCOL_ERROR.code());
        channel.finishAndReleaseAll();
    }

    /** Why Http2StreamGuard checks pseudo-headers itself: the frame codec's check is off unless asked for. */
    @Test
    void requestHeadersWithoutMethodReachTheStreamChannelByDefault() throws Exception {
        List<Object> read = new ArrayList<>();
        EmbeddedChannel channel = server(new IgnoresErrors() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                read.add(msg);
            }
        });
        resets(channel);
        channel.writeInbound(Unpooled.wrappedBuffer(headersFrame(3, true, new DefaultHttp2Headers().scheme("http").path("/"))));
        assertThat(read).hasSize(1);
        assertThat(resets(channel)).isEmpty();
        channel.finishAndReleaseAll();
    }
}
