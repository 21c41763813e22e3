package dev.isthmus.server.http2;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guards on their own, in an embedded channel: the frame guard must find frame boundaries
 * however the bytes are split into reads, pass every byte up to an offending frame and none of
 * it; the preface guard must tell HTTP/1.x request lines from anything else.
 */
class Http2GuardsTest {

    /** Stands in for the frame codec: records the bytes and exceptions that reach it. */
    static final class Recorder extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Throwable> errors = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            bytes.writeBytes(b);
            buf.release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }

    static byte[] frame(int type, int flags, int streamId, int payloadLength) {
        ByteBuffer b = ByteBuffer.allocate(9 + payloadLength);
        b.put((byte) (payloadLength >>> 16)).put((byte) (payloadLength >>> 8)).put((byte) payloadLength);
        b.put((byte) type).put((byte) flags).putInt(streamId);
        return b.array(); // payload: zeros; the guard never reads it
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int END_STREAM = 1;

    /** Feeds the bytes in two reads split at {@code split}; returns what reached the codec. */
    static Recorder feed(byte[] bytes, int split) {
        Recorder codec = new Recorder();
        EmbeddedChannel channel = new EmbeddedChannel(new Http2FrameGuard(), codec);
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
        if (split < bytes.length) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
        }
        channel.finishAndReleaseAll();
        return codec;
    }

    @Test
    void wellFormedFramesPassUntouchedHoweverTheyAreSplit() {
        byte[] bytes = concat(Http2PrefaceGuard.PREFACE, frame(4, 0, 0, 6), frame(HEADERS, 0, 1, 20), frame(DATA, 0, 1, 100),
                frame(HEADERS, END_STREAM, 1, 5), // trailers
                frame(HEADERS, END_STREAM, 3, 10), frame(HEADERS, END_STREAM, 7, 10), // 5 skipped, never used
                frame(8, 0, 3, 4), frame(3, 0, 7, 4), frame(2, 0, 1, 5)); // WINDOW_UPDATE, RST_STREAM, PRIORITY on ended streams
        for (int split = 1; split <= bytes.length; split++) {
            Recorder codec = feed(bytes, split);
            assertThat(codec.errors).as("split at %d", split).isEmpty();
            assertThat(codec.bytes.toByteArray()).as("split at %d", split).isEqualTo(bytes);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "HEADERS after END_STREAM on HEADERS, 1, 1, 1, 1, STREAM_CLOSED",
            "DATA after END_STREAM on HEADERS,    1, 1, 0, 1, STREAM_CLOSED",
            "HEADERS on a skipped stream,         1, 5, 1, 3, PROTOCOL_ERROR" })
    void anOffendingFrameStopsEverythingFromItsFirstByte(String name, int firstType, int firstStream, int secondType, int secondStream,
            Http2Error expected) {
        byte[] before = concat(Http2PrefaceGuard.PREFACE, frame(HEADERS, END_STREAM, firstStream, 12));
        byte[] bytes = concat(before, frame(secondType, secondType == HEADERS ? END_STREAM : 0, secondStream, 7),
                frame(HEADERS, END_STREAM, secondStream + 100, 3));
        for (int split = 1; split <= bytes.length; split++) {
            Recorder codec = feed(bytes, split);
            assertThat(codec.errors).as("split at %d", split).singleElement().satisfies(e -> {
                assertThat(e).isInstanceOf(Http2Exception.class).isNotInstanceOf(Http2Exception.StreamException.class);
                assertThat(((Http2Exception) e).error()).isEqualTo(expected);
            });
            byte[] passed = codec.bytes.toByteArray();
            // everything before the offending frame, and at most a part of its 9-byte header that arrived in the first read
            assertThat(passed.length).as("split at %d", split).isBetween(before.length, Math.max(before.length, Math.min(split, before.length + 8)));
            assertThat(java.util.Arrays.copyOf(passed, before.length)).isEqualTo(before);
        }
    }

    @Test
    void streamsOlderThanTheWindowAreLeftToNetty() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Http2PrefaceGuard.PREFACE);
        out.writeBytes(frame(HEADERS, END_STREAM, 1, 3));
        out.writeBytes(frame(HEADERS, END_STREAM, 1 + 2 * Http2FrameGuard.WINDOW, 3));
        out.writeBytes(frame(HEADERS, END_STREAM, 1, 3)); // ended, but forgotten: Netty answers RST_STREAM(STREAM_CLOSED)
        byte[] bytes = out.toByteArray();
        Recorder codec = feed(bytes, bytes.length);
        assertThat(codec.errors).isEmpty();
        assertThat(codec.bytes.toByteArray()).isEqualTo(bytes);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "GET / HTTP/1.1\\r\\nHost: a\\r\\n|HTTP1",
            "\\r\\nPOST /x?y=1 HTTP/1.0\\r\\n|HTTP1",
            "GET / HTTP/1.1\\n|HTTP1",
            "GET / HTTP/1.1   \\r\\n|HTTP1",
            "INVALID CONNECTION PREFACE\\r\\n|NOT_HTTP",
            "PRI * HTTP/2.0\\r\\n|NOT_HTTP",
            "GET / HTTP/2.0\\r\\n|NOT_HTTP",
            "GET /\\r\\n|NOT_HTTP",
            "HTTP/1.1\\r\\n|NOT_HTTP",
            "GET / HTTP/1.|INCOMPLETE",
            "GET / HTTP/1.1|INCOMPLETE" })
    void firstLines(String line, Http2PrefaceGuard.FirstLine expected) {
        ByteBuf in = Unpooled.copiedBuffer(line.replace("\\r", "\r").replace("\\n", "\n"), StandardCharsets.ISO_8859_1);
        assertThat(Http2PrefaceGuard.firstLine(in)).isEqualTo(expected);
        in.release();
    }

    @Test
    void aFirstLineTooLongToJudgeIsLeftToTheHttpCodec() {
        ByteBuf in = Unpooled.copiedBuffer("GET /" + "a".repeat(Http2PrefaceGuard.MAX_FIRST_LINE), StandardCharsets.ISO_8859_1);
        assertThat(Http2PrefaceGuard.firstLine(in)).isEqualTo(Http2PrefaceGuard.FirstLine.HTTP1);
        in.release();
    }

    @Test
    void requiredPseudoHeaders() {
        var complete = new DefaultHttp2Headers().method("GET").scheme("https").path("/").authority("a");
        assertThat(Http2StreamGuard.missingPseudoHeader(complete)).isNull();
        assertThat(Http2StreamGuard.missingPseudoHeader(new DefaultHttp2Headers().scheme("https").path("/"))).isEqualTo(":method");
        assertThat(Http2StreamGuard.missingPseudoHeader(new DefaultHttp2Headers().method("GET").path("/"))).isEqualTo(":scheme");
        assertThat(Http2StreamGuard.missingPseudoHeader(new DefaultHttp2Headers().method("GET").scheme("http"))).isEqualTo(":path");
        assertThat(Http2StreamGuard.missingPseudoHeader(new DefaultHttp2Headers(false).method("GET").scheme("http").path(""))).isEqualTo(":path");
        assertThat(Http2StreamGuard.missingPseudoHeader(new DefaultHttp2Headers().method("CONNECT").authority("a:443"))).isNull();
        assertThat(Http2StreamGuard.missingPseudoHeader(new DefaultHttp2Headers().method("CONNECT"))).isEqualTo(":authority");
        var extendedConnect = new DefaultHttp2Headers().method("CONNECT").authority("a").add(":protocol", "websocket");
        assertThat(Http2StreamGuard.missingPseudoHeader(extendedConnect)).isEqualTo(":scheme");
    }
}
