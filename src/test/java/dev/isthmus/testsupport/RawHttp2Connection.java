package dev.isthmus.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * An HTTP/2 client that writes frames exactly as told, for what no HTTP/2 library sends: header
 * blocks cut into trickled CONTINUATION frames, floods of RST_STREAM or CONTINUATION, connections
 * kept open with PINGs. h2c with prior knowledge, or h2 over TLS (ALPN). Header blocks are HPACK
 * literals without indexing or Huffman coding, which every decoder must accept (RFC 7541 §6.2.2).
 * Test use only: it trusts any server certificate, and talks to loopback.
 */
public final class RawHttp2Connection implements AutoCloseable {

    public static final int DATA = 0x0, HEADERS = 0x1, RST_STREAM = 0x3, SETTINGS = 0x4, PING = 0x6, GOAWAY = 0x7, CONTINUATION = 0x9;
    public static final int END_STREAM = 0x1, END_HEADERS = 0x4, ACK = 0x1;
    public static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as read. */
    public record Frame(int type, int flags, int streamId, byte[] payload) {
        public boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** GOAWAY's error code. */
        public int errorCode() {
            int off = type == GOAWAY ? 4 : 0;
            return ((payload[off] & 0xff) << 24) | ((payload[off + 1] & 0xff) << 16) | ((payload[off + 2] & 0xff) << 8) | (payload[off + 3] & 0xff);
        }

        /** A SETTINGS frame's values by identifier. */
        public Map<Integer, Long> settings() {
            Map<Integer, Long> out = new LinkedHashMap<>();
            for (int i = 0; i + 6 <= payload.length; i += 6) {
                int id = ((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff);
                long v = ((payload[i + 2] & 0xffL) << 24) | ((payload[i + 3] & 0xffL) << 16) | ((payload[i + 4] & 0xffL) << 8) | (payload[i + 5] & 0xffL);
                out.put(id, v);
            }
            return out;
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    private RawHttp2Connection(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Connects (h2c, or TLS with ALPN h2); nothing is sent yet. */
    public static RawHttp2Connection connect(int port, boolean tls) {
        try {
            Socket s;
            if (tls) {
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] { new X509TrustManager() {
                    @Override
                    public void checkClientTrusted(X509Certificate[] chain, String authType) {
                    }

                    @Override
                    public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    }

                    @Override
                    public X509Certificate[] getAcceptedIssuers() {
                        return new X509Certificate[0];
                    }
                } }, null);
                SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket();
                ssl.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                SSLParameters params = ssl.getSSLParameters();
                params.setApplicationProtocols(new String[] { "h2" });
                ssl.setSSLParameters(params);
                ssl.setSoTimeout(10_000);
                ssl.startHandshake();
                if (!"h2".equals(ssl.getApplicationProtocol())) {
                    throw new IllegalStateException("the server did not negotiate h2 (ALPN: " + ssl.getApplicationProtocol() + ")");
                }
                s = ssl;
            }
            else {
                s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(10_000);
            }
            return new RawHttp2Connection(s);
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Client preface and an empty SETTINGS frame. */
    public RawHttp2Connection start() {
        write(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0]);
        return this;
    }

    /** {@link #start()}, then reads up to the server's SETTINGS and acknowledges them; returns them. */
    public Frame handshake() {
        start();
        try {
            Frame settings;
            do {
                settings = read();
            }
            while (settings != null && !(settings.type() == SETTINGS && !settings.has(ACK)));
            if (settings == null) {
                throw new IllegalStateException("the server closed the connection before its SETTINGS");
            }
            frame(SETTINGS, ACK, 0, new byte[0]);
            return settings;
        }
        catch (SocketTimeoutException e) {
            throw new IllegalStateException("no SETTINGS from the server", e);
        }
    }

    public void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        }
        catch (IOException e) {
            throw new IllegalStateException("write failed (closed by the server?)", e);
        }
    }

    /** Writes bytes one at a time, {@code intervalMillis} apart, until done or the server closes; returns how many were written. */
    public int trickle(byte[] bytes, long intervalMillis) {
        for (int i = 0; i < bytes.length; i++) {
            try {
                out.write(bytes[i]);
                out.flush();
                Thread.sleep(intervalMillis);
            }
            catch (IOException e) {
                return i;
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return i;
            }
        }
        return bytes.length;
    }

    public void frame(int type, int flags, int streamId, byte[] payload) {
        write(encodeFrame(type, flags, streamId, payload));
    }

    public static byte[] encodeFrame(int type, int flags, int streamId, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) ((streamId >>> 24) & 0x7f);
        f[6] = (byte) (streamId >>> 16);
        f[7] = (byte) (streamId >>> 8);
        f[8] = (byte) streamId;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /** An HPACK header block for a request: pseudo-headers first, then {@code extra} (name, value, ...). */
    public static byte[] requestBlock(String method, String path, String authority, String... extra) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        literal(b, ":method", method);
        literal(b, ":scheme", "http");
        literal(b, ":path", path);
        if (authority != null) {
            literal(b, ":authority", authority);
        }
        for (int i = 0; i + 1 < extra.length; i += 2) {
            literal(b, extra[i], extra[i + 1]);
        }
        return b.toByteArray();
    }

    /** A literal header field without indexing, new name (RFC 7541 §6.2.2). */
    public static void literal(ByteArrayOutputStream b, String name, String value) {
        b.write(0x00);
        string(b, name.getBytes(StandardCharsets.ISO_8859_1));
        string(b, value.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void string(ByteArrayOutputStream b, byte[] s) {
        integer(b, s.length, 7, 0x00);
        b.writeBytes(s);
    }

    private static void integer(ByteArrayOutputStream b, int value, int prefixBits, int firstByteFlags) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            b.write(firstByteFlags | value);
            return;
        }
        b.write(firstByteFlags | max);
        value -= max;
        while (value >= 128) {
            b.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        b.write(value);
    }

    /** A whole GET as one HEADERS frame ending the stream. */
    public void get(int streamId, String path, String authority, String... extra) {
        frame(HEADERS, END_HEADERS | END_STREAM, streamId, requestBlock("GET", path, authority, extra));
    }

    /** The next frame, or null when the server closed the connection (or reset it). */
    public Frame read() throws SocketTimeoutException {
        try {
            int len = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[len];
            in.readFully(payload);
            return new Frame(type, flags, stream, payload);
        }
        catch (SocketTimeoutException e) {
            throw e;
        }
        catch (EOFException e) {
            return null;
        }
        catch (IOException e) {
            return null; // reset
        }
    }

    /** Frames until one of {@code type} on {@code streamId} (any stream when -1) arrives; null if the connection closes first. */
    public Frame await(int type, int streamId) throws SocketTimeoutException {
        while (true) {
            Frame f = read();
            if (f == null || (f.type() == type && (streamId < 0 || f.streamId() == streamId))) {
                return f;
            }
        }
    }

    /** Reads until the server closes the connection; the frames it sent on the way. */
    public List<Frame> readUntilClosed() throws SocketTimeoutException {
        List<Frame> frames = new ArrayList<>();
        Frame f;
        while ((f = read()) != null) {
            frames.add(f);
        }
        return frames;
    }

    public void soTimeout(int millis) {
        try {
            socket.setSoTimeout(millis);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        }
        catch (IOException e) {
            // closing
        }
    }
}
