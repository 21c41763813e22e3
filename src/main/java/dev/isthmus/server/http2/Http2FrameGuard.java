package dev.isthmus.server.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the headers of the client's HTTP/2 frames, in front of Netty's frame codec, and turns two
 * stream-identifier errors into the connection errors RFC 9113 asks for:
 * <ul>
 * <li>HEADERS or DATA on a stream whose END_STREAM the client already sent: STREAM_CLOSED
 * (§5.1, "closed": "any frames after receiving a frame with the END_STREAM flag set"; in
 * half-closed (remote) it is a stream error, which §5.4.1 lets an endpoint treat as a connection
 * error);</li>
 * <li>HEADERS on a stream identifier lower than one already opened, that was never used: the
 * identifier went from idle to closed when the higher one was opened (§5.1.1), PROTOCOL_ERROR.</li>
 * </ul>
 * Netty does not remember closed streams, so it cannot tell these apart from a frame that crossed
 * a stream reset, and answers all of them with RST_STREAM(STREAM_CLOSED) (its
 * {@code DefaultHttp2ConnectionDecoder.shouldIgnoreHeadersOrDataFrame}: "we choose the lesser of
 * the two errors"). On a half-closed stream it answers PROTOCOL_ERROR instead, a Netty bug
 * (docs/upstream/netty-http2-trailers-flag.md). This guard remembers the last {@value #WINDOW}
 * client stream identifiers in two bit sets (256 bytes per connection); frames for streams that
 * were reset, and for older ones, are left to Netty's rules.
 * <p>
 * It copies nothing: it steps over payloads, forwards each buffer as it came, and splits one only
 * in front of an offending frame, so that the frames before it are processed and it is not. The
 * error goes to the frame codec as a connection error, which sends GOAWAY and closes the
 * connection.
 */
final class Http2FrameGuard extends ChannelInboundHandlerAdapter {

    static final String NAME = "isthmus.h2FrameGuard";

    private static final Logger log = LoggerFactory.getLogger(Http2FrameGuard.class);

    /** Client stream identifiers remembered (a power of two). */
    static final int WINDOW = 1024;

    private static final int FRAME_HEADER_LENGTH = 9;
    private static final int TYPE_DATA = 0x0;
    private static final int TYPE_HEADERS = 0x1;
    private static final int FLAG_END_STREAM = 0x1;

    private int prefaceRemaining = Http2PrefaceGuard.PREFACE.length;
    private final byte[] header = new byte[FRAME_HEADER_LENGTH];
    private int headerFill;
    private int payloadRemaining;
    private int highestStream;
    private final long[] opened = new long[WINDOW / 64];
    private final long[] ended = new long[WINDOW / 64];
    private boolean failed;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            buf.release();
            return;
        }
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        if (prefaceRemaining > 0) {
            int n = Math.min(prefaceRemaining, end - i);
            prefaceRemaining -= n;
            if (prefaceRemaining > 0) {
                ctx.fireChannelRead(buf);
                return;
            }
            // The preface alone first: in clear text the frame codec is put in place as it goes through.
            i += n;
            ctx.fireChannelRead(buf.retainedSlice(buf.readerIndex(), i - buf.readerIndex()));
            buf.readerIndex(i);
            Http2Conformance.installStreamGuard(ctx.pipeline());
            if (!buf.isReadable()) {
                buf.release();
                return;
            }
        }
        int start = i;
        while (i < end) {
            if (payloadRemaining > 0) {
                int n = Math.min(payloadRemaining, end - i);
                payloadRemaining -= n;
                i += n;
                continue;
            }
            int frameStart = i - headerFill;
            int length;
            int type;
            int flags;
            int streamId;
            if (headerFill == 0 && end - i >= FRAME_HEADER_LENGTH) {
                length = buf.getUnsignedMedium(i);
                type = buf.getUnsignedByte(i + 3);
                flags = buf.getUnsignedByte(i + 4);
                streamId = buf.getInt(i + 5) & 0x7fffffff;
                i += FRAME_HEADER_LENGTH;
            }
            else {
                int n = Math.min(FRAME_HEADER_LENGTH - headerFill, end - i);
                buf.getBytes(i, header, headerFill, n);
                headerFill += n;
                i += n;
                if (headerFill < FRAME_HEADER_LENGTH) {
                    break;
                }
                headerFill = 0;
                length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
                type = header[3] & 0xff;
                flags = header[4] & 0xff;
                streamId = ((header[5] & 0x7f) << 24 | (header[6] & 0xff) << 16 | (header[7] & 0xff) << 8 | header[8] & 0xff);
            }
            payloadRemaining = length;
            Http2Error error = check(type, flags, streamId);
            if (error != null) {
                // frameStart < start: the frame began in an earlier buffer, of which the codec holds
                // at most a partial frame header that it cannot act on
                if (frameStart > start) {
                    ctx.fireChannelRead(buf.retainedSlice(start, frameStart - start));
                }
                buf.release();
                fail(ctx, error, type, streamId);
                return;
            }
        }
        ctx.fireChannelRead(buf);
    }

    /** The connection error a client frame causes, or null to let it through to Netty's own checks. */
    private Http2Error check(int type, int flags, int streamId) {
        if ((type != TYPE_HEADERS && type != TYPE_DATA) || (streamId & 1) == 0) {
            return null; // other frames, the connection stream and even identifiers: Netty's rules
        }
        boolean endStream = (flags & FLAG_END_STREAM) != 0;
        if (streamId > highestStream) {
            if (type == TYPE_HEADERS) {
                open(streamId, endStream);
            }
            return null; // DATA on an idle stream: Netty's connection error
        }
        if (highestStream - streamId >= 2 * WINDOW) {
            return null; // too old to be remembered
        }
        int slot = slot(streamId);
        if (!isSet(opened, slot)) {
            return type == TYPE_HEADERS ? Http2Error.PROTOCOL_ERROR : null;
        }
        if (isSet(ended, slot)) {
            return Http2Error.STREAM_CLOSED;
        }
        if (endStream) {
            set(ended, slot); // trailers, or the last DATA frame
        }
        return null;
    }

    private void open(int streamId, boolean endStream) {
        if ((streamId - highestStream) / 2 >= WINDOW) {
            java.util.Arrays.fill(opened, 0);
            java.util.Arrays.fill(ended, 0);
        }
        else {
            for (int skipped = highestStream + 2; skipped < streamId; skipped += 2) {
                clear(opened, slot(skipped));
                clear(ended, slot(skipped));
            }
        }
        int slot = slot(streamId);
        set(opened, slot);
        if (endStream) {
            set(ended, slot);
        }
        else {
            clear(ended, slot);
        }
        highestStream = streamId;
    }

    private void fail(ChannelHandlerContext ctx, Http2Error error, int type, int streamId) {
        failed = true;
        String frame = type == TYPE_HEADERS ? "HEADERS" : "DATA";
        String message = error == Http2Error.STREAM_CLOSED
                ? String.format("%s frame on stream %d after its END_STREAM", frame, streamId)
                : String.format("%s frame on stream %d, which is lower than stream %d and was never opened", frame, streamId,
                        highestStream);
        log.debug("{}: HTTP/2 connection error {}: {}", ctx.channel(), error, message);
        // Http2ConnectionHandler.exceptionCaught handles an Http2Exception as its own: GOAWAY, then close
        ctx.fireExceptionCaught(Http2Exception.connectionError(error, "%s", message));
    }

    private static int slot(int streamId) {
        return (streamId >>> 1) & (WINDOW - 1);
    }

    private static boolean isSet(long[] bits, int slot) {
        return (bits[slot >>> 6] & (1L << slot)) != 0;
    }

    private static void set(long[] bits, int slot) {
        bits[slot >>> 6] |= 1L << slot;
    }

    private static void clear(long[] bits, int slot) {
        bits[slot >>> 6] &= ~(1L << slot);
    }
}
