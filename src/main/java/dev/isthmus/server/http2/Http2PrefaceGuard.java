package dev.isthmus.server.http2;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at the first bytes of a connection once, then leaves the pipeline. The HTTP/2 connection
 * preface hands the connection to an {@link Http2FrameGuard}; anything else goes on as HTTP/1.x.
 * <p>
 * On the clear-text port HTTP/1.1 and HTTP/2 with prior knowledge share one listener, and there an
 * invalid preface is indistinguishable from an invalid HTTP/1.1 request line: Reactor Netty answers
 * both with an HTTP/1.1 400, which an HTTP/2 client reads as garbage. RFC 9113 §3.4 makes an
 * invalid preface a connection error, and RFC 9112 §2.2 only recommends (SHOULD) a 400 for a
 * request line that does not parse, so a first line that is neither the preface nor an HTTP/1.0 or
 * HTTP/1.1 request line closes the connection without an answer. A line that is only too long is
 * left to the HTTP codec (414/400). Over TLS, ALPN has already chosen the protocol and the HTTP/2
 * codec checks the preface itself.
 */
final class Http2PrefaceGuard extends ByteToMessageDecoder {

    static final String NAME = "isthmus.h2PrefaceGuard";

    private static final Logger log = LoggerFactory.getLogger(Http2PrefaceGuard.class);

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Longest first line waited for; longer ones are the HTTP codec's to refuse. */
    static final int MAX_FIRST_LINE = 16 * 1024;

    private final boolean cleartext;
    private boolean closed;

    Http2PrefaceGuard(boolean cleartext) {
        this.cleartext = cleartext;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (closed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int matched = prefaceMatch(in);
        if (matched == PREFACE.length) {
            // removal passes everything read so far, preface first, to the frame guard
            ctx.pipeline().addAfter(ctx.name(), Http2FrameGuard.NAME, new Http2FrameGuard());
            ctx.pipeline().remove(this);
            return;
        }
        if (matched == in.readableBytes()) {
            return; // so far a prefix of the preface
        }
        if (cleartext) {
            FirstLine line = firstLine(in);
            if (line == FirstLine.INCOMPLETE) {
                return;
            }
            if (line == FirstLine.NOT_HTTP) {
                closed = true;
                log.debug("{}: closed without an answer: the first line is neither the HTTP/2 preface nor an HTTP/1.x request line",
                        ctx.channel());
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
        }
        ctx.pipeline().remove(this);
    }

    /** How many of the readable bytes match the preface, up to its length; fewer than readable means a mismatch. */
    private static int prefaceMatch(ByteBuf in) {
        int n = Math.min(in.readableBytes(), PREFACE.length);
        int start = in.readerIndex();
        for (int i = 0; i < n; i++) {
            if (in.getByte(start + i) != PREFACE[i]) {
                return i;
            }
        }
        return n;
    }

    enum FirstLine { INCOMPLETE, HTTP1, NOT_HTTP }

    /**
     * Classifies the first line: an HTTP/1.0 or HTTP/1.1 request line ends with a space and that
     * version (RFC 9112 §3; empty lines before it are ignored, §2.2). Only the version is checked:
     * the HTTP codec judges the rest, with its own errors.
     */
    static FirstLine firstLine(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        while (start < end && (in.getByte(start) == '\r' || in.getByte(start) == '\n')) {
            start++;
        }
        int lf = in.indexOf(start, Math.min(end, start + MAX_FIRST_LINE), (byte) '\n');
        if (lf < 0) {
            return end - start >= MAX_FIRST_LINE ? FirstLine.HTTP1 : FirstLine.INCOMPLETE;
        }
        int last = lf;
        while (last > start && isWhitespace(in.getByte(last - 1))) {
            last--;
        }
        int versionStart = last - 8; // "HTTP/1.x"
        if (versionStart <= start || !isWhitespace(in.getByte(versionStart - 1))) {
            return FirstLine.NOT_HTTP;
        }
        for (int i = 0; i < 7; i++) {
            if (in.getByte(versionStart + i) != HTTP1[i]) {
                return FirstLine.NOT_HTTP;
            }
        }
        byte minor = in.getByte(versionStart + 7);
        return minor == '0' || minor == '1' ? FirstLine.HTTP1 : FirstLine.NOT_HTTP;
    }

    private static final byte[] HTTP1 = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }
}
