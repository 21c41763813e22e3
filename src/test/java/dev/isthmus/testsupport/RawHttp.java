package dev.isthmus.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Sends bytes exactly as written to a server and reads what comes back, for requests no HTTP
 * client library would produce (smuggling attempts, malformed framing, slow clients).
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** The response status code, or -1 when the server closed without answering. */
    public static int status(String response) {
        if (!response.startsWith("HTTP/1.")) {
            return -1;
        }
        return Integer.parseInt(response.substring(9, 12));
    }

    /** Writes the request and reads until the server closes or {@code readTimeoutMillis} passes. */
    public static String exchange(int port, String request, int readTimeoutMillis) {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), readTimeoutMillis);
    }

    public static String exchange(int port, byte[] request, int readTimeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(readTimeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            return readAll(socket.getInputStream());
        }
        catch (IOException e) {
            return "";
        }
    }

    /** Sends {@code request} one byte every {@code intervalMillis}; returns what the server answered, if anything. */
    public static String trickle(int port, String request, long intervalMillis, int readTimeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(readTimeoutMillis);
            OutputStream out = socket.getOutputStream();
            for (byte b : request.getBytes(StandardCharsets.ISO_8859_1)) {
                try {
                    out.write(b);
                    out.flush();
                }
                catch (IOException closed) {
                    break; // the server gave up on us
                }
                Thread.sleep(intervalMillis);
            }
            return readAll(socket.getInputStream());
        }
        catch (IOException e) {
            return "";
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * Reads exactly one HTTP/1.1 response from a keep-alive connection (framed by Content-Length
     * or chunked encoding) and returns its head and body; throws {@link SocketTimeoutException}
     * when the server does not answer within the socket's timeout.
     */
    public static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.length() + " bytes of a response head");
            }
            head.append((char) b);
        }
        String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
        StringBuilder body = new StringBuilder();
        int cl = lower.indexOf("\r\ncontent-length:");
        if (cl >= 0) {
            int end = lower.indexOf("\r\n", cl + 2);
            int length = Integer.parseInt(lower.substring(cl + "\r\ncontent-length:".length(), end).trim());
            body.append(new String(in.readNBytes(length), StandardCharsets.ISO_8859_1));
        }
        else if (lower.contains("\r\ntransfer-encoding: chunked")) {
            while (true) {
                String size = readLine(in);
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while (!readLine(in).isEmpty()) {
                        // trailers
                    }
                    break;
                }
                body.append(new String(in.readNBytes(n), StandardCharsets.ISO_8859_1));
                readLine(in);
            }
        }
        return head + body.toString();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        if (b < 0) {
            throw new IOException("connection closed inside a chunked body");
        }
        return line.toString();
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            int n;
            while ((n = in.read(chunk)) >= 0) {
                buf.write(chunk, 0, n);
            }
        }
        catch (SocketTimeoutException | java.net.SocketException e) {
            // what we have is the answer
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }
}
