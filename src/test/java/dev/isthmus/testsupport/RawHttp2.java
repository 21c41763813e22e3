package dev.isthmus.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * An HTTP/2 client (clear text, prior knowledge) that writes frames exactly as a test builds them,
 * including ones no client library would send: a {@code content-length} the DATA frames do not add
 * up to, request HEADERS without a pseudo-header, frames on closed streams. Only HPACK comes from
 * Netty (its header block encoder and decoder); frames are laid out by hand (RFC 9113 §4.1).
 */
public final class RawHttp2 implements AutoCloseable {

    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int PING = 0x6;
    public static final int GOAWAY = 0x7;
    public static final int WINDOW_UPDATE = 0x8;
    public static final int CONTINUATION = 0x9;

    public static final long PROTOCOL_ERROR = 0x1;
    public static final long STREAM_CLOSED = 0x5;

    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int ACK = 0x1;

    /** A frame as read off the wire. */
    public record Frame(int type, int flags, int streamId, byte[] payload) {
        public boolean endStream() {
            return (type == DATA || type == HEADERS) && (flags & END_STREAM) != 0;
        }

        /** The error code of a RST_STREAM or GOAWAY frame. */
        public long errorCode() {
            ByteBuffer b = ByteBuffer.wrap(payload);
            return Integer.toUnsignedLong(type == GOAWAY ? b.getInt(4) : b.getInt(0));
        }

        @Override
        public String toString() {
            String name = switch (type) {
                case DATA -> "DATA";
                case HEADERS -> "HEADERS";
                case RST_STREAM -> "RST_STREAM";
                case SETTINGS -> "SETTINGS";
                case GOAWAY -> "GOAWAY";
                case WINDOW_UPDATE -> "WINDOW_UPDATE";
                default -> "type " + type;
            };
            String code = type == RST_STREAM || type == GOAWAY ? " error " + errorCode() : "";
            return name + " stream " + streamId + " flags " + flags + code;
        }
    }

    /** How a stream ended: a response (status, body), a reset (its code), or the connection going away. */
    public record Outcome(int status, String body, Frame end) {
        public boolean reset() {
            return end != null && end.type() == RST_STREAM;
        }

        public boolean goAway() {
            return end != null && end.type() == GOAWAY;
        }

        /** The RST_STREAM or GOAWAY error code, -1 for a response. */
        public long errorCode() {
            return reset() || goAway() ? end.errorCode() : -1;
        }

        @Override
        public String toString() {
            return status > 0 ? status + " " + body : String.valueOf(end);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    private RawHttp2(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects, sends the connection preface and SETTINGS, and reads (and acknowledges) the server's SETTINGS. */
    public static RawHttp2 connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        RawHttp2 c = new RawHttp2(socket);
        c.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        c.frame(SETTINGS, 0, 0, new byte[0]);
        Frame settings = c.next();
        if (settings.type() != SETTINGS) {
            throw new IOException("expected the server's SETTINGS, got " + settings);
        }
        return c;
    }

    /**
     * A HEADERS frame with END_HEADERS, fields in the order given (name, value, name, value...).
     * Pseudo-headers are not checked, so any of them can be left out.
     */
    public void headers(int streamId, boolean endStream, String... fields) throws IOException {
        Http2Headers headers = new DefaultHttp2Headers(false);
        for (int i = 0; i < fields.length; i += 2) {
            headers.add(fields[i], fields[i + 1]);
        }
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(streamId, headers, block);
            frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, ByteBufUtil.getBytes(block));
        }
        catch (Http2Exception e) {
            throw new IOException(e);
        }
        finally {
            block.release();
        }
    }

    /** A request's HEADERS: {@code :method}, {@code :scheme http}, {@code :path}, {@code :authority}, then {@code extra}. */
    public void request(int streamId, String method, String path, boolean endStream, String... extra) throws IOException {
        String[] fields = new String[8 + extra.length];
        String[] pseudo = { ":method", method, ":scheme", "http", ":path", path, ":authority", "localhost" };
        System.arraycopy(pseudo, 0, fields, 0, 8);
        System.arraycopy(extra, 0, fields, 8, extra.length);
        headers(streamId, endStream, fields);
    }

    public void data(int streamId, boolean endStream, String text) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, streamId, text.getBytes(StandardCharsets.UTF_8));
    }

    public void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        byte[] header = new byte[9];
        header[0] = (byte) (payload.length >>> 16);
        header[1] = (byte) (payload.length >>> 8);
        header[2] = (byte) payload.length;
        header[3] = (byte) type;
        header[4] = (byte) flags;
        ByteBuffer.wrap(header, 5, 4).putInt(streamId);
        out.write(header);
        out.write(payload);
        out.flush();
    }

    /** The next frame, acknowledging SETTINGS, answering PINGs, skipping SETTINGS acknowledgements and WINDOW_UPDATEs. */
    public Frame next() throws IOException {
        while (true) {
            byte[] header = in.readNBytes(9);
            if (header.length < 9) {
                throw new EOFException("connection closed");
            }
            int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
            int type = header[3] & 0xff;
            int flags = header[4] & 0xff;
            int streamId = ByteBuffer.wrap(header, 5, 4).getInt() & 0x7fffffff;
            byte[] payload = in.readNBytes(length);
            if (payload.length < length) {
                throw new EOFException("connection closed inside a frame");
            }
            if (type == WINDOW_UPDATE || type == SETTINGS && (flags & ACK) != 0) {
                continue;
            }
            if (type == SETTINGS) {
                frame(SETTINGS, ACK, 0, new byte[0]); // and the caller sees them
            }
            if (type == PING && (flags & ACK) == 0) {
                frame(PING, ACK, 0, payload);
                continue;
            }
            return new Frame(type, flags, streamId, payload);
        }
    }

    /** What has arrived so far on a stream. */
    private static final class StreamState {
        int status;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        Outcome done;
    }

    private final java.util.Map<Integer, StreamState> streams = new java.util.HashMap<>();
    private final ByteArrayOutputStream block = new ByteArrayOutputStream();
    private Frame goAway;

    /**
     * Reads until the stream ends: its response (HEADERS and DATA up to END_STREAM), a RST_STREAM
     * for it, or a GOAWAY. Frames of other streams are kept for their own calls; every header
     * block is decoded as it arrives, which keeps the HPACK state in step with the server.
     */
    public Outcome outcome(int streamId) throws IOException {
        while (true) {
            StreamState mine = streams.get(streamId);
            if (mine != null && mine.done != null) {
                streams.remove(streamId);
                return mine.done;
            }
            if (goAway != null) {
                return new Outcome(0, null, goAway);
            }
            Frame f = next();
            if (f.type() == GOAWAY) {
                goAway = f;
                continue;
            }
            if (f.streamId() == 0) {
                continue;
            }
            StreamState st = streams.computeIfAbsent(f.streamId(), id -> new StreamState());
            if (f.type() == RST_STREAM) {
                st.done = new Outcome(0, null, f);
                continue;
            }
            if (f.type() == HEADERS || f.type() == CONTINUATION) {
                block.write(f.payload());
                if ((f.flags() & END_HEADERS) != 0) {
                    int status = status(f.streamId(), block.toByteArray());
                    block.reset();
                    if (st.status == 0) {
                        st.status = status;
                    }
                }
            }
            else if (f.type() == DATA) {
                st.body.write(f.payload());
            }
            if (f.endStream()) {
                st.done = new Outcome(st.status, st.body.toString(StandardCharsets.UTF_8), f);
            }
        }
    }

    private int status(int streamId, byte[] block) throws IOException {
        ByteBuf buf = Unpooled.wrappedBuffer(block);
        try {
            CharSequence status = decoder.decodeHeaders(streamId, buf).status();
            return status == null ? -1 : Integer.parseInt(status.toString());
        }
        catch (Http2Exception e) {
            throw new IOException(e);
        }
        finally {
            buf.release();
        }
    }

    /** Whether the server closes the connection within the timeout, reading (and dropping) what comes before. */
    public boolean closedWithin(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            while (in.read() >= 0) {
                // drain
            }
            return true;
        }
        catch (SocketTimeoutException e) {
            return false;
        }
        catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
