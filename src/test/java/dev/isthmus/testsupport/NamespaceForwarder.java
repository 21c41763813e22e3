package dev.isthmus.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The listening half of an upstream that runs in a test's network namespace ({@link TestNetwork}):
 * started with {@code ip netns exec}, it listens on the namespace's address and relays each
 * connection, byte for byte, to a Unix domain socket where the test's own server answers (file
 * system paths are not namespaced). The test JVM keeps the server, so tests still steer and
 * observe it in process; the network endpoint the gateway reaches is in the namespace.
 * <p>
 * One command per line on standard input, one answer per line on standard output:
 * {@code listen <socket path>} answers {@code ok <port>}; {@code close <port>} stops that listener and
 * drops its connections (a dead instance: new connections are refused), answering {@code ok <port>}.
 * It exits when standard input closes, that is when the test JVM is gone.
 */
public final class NamespaceForwarder {

    private NamespaceForwarder() {
    }

    public static void main(String[] args) throws IOException {
        InetAddress address = InetAddress.getByName(args[0]);
        Map<Integer, Listener> listeners = new ConcurrentHashMap<>();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("ready");
        String line;
        while ((line = in.readLine()) != null) {
            String[] command = line.trim().split(" ", 2);
            try {
                switch (command[0]) {
                    case "listen" -> {
                        Listener l = new Listener(address, Path.of(command[1]));
                        listeners.put(l.port(), l);
                        out.println("ok " + l.port());
                    }
                    case "close" -> {
                        Listener l = listeners.remove(Integer.parseInt(command[1]));
                        if (l != null) {
                            l.close();
                        }
                        out.println("ok " + command[1]);
                    }
                    default -> out.println("error unknown command: " + line);
                }
            }
            catch (IOException | RuntimeException e) {
                out.println("error " + e);
            }
        }
        System.exit(0);
    }

    /** One TCP listener on the namespace's address and the connections it relays. */
    static final class Listener {
        private final ServerSocketChannel server;
        private final Path socket;
        private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
        private final Thread accept;
        private final int port;

        Listener(InetAddress address, Path socket) throws IOException {
            this.socket = socket;
            this.server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(address, 0), 256);
            this.port = ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
            this.accept = new Thread(this::accept, "accept-" + port());
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return port; // the socket forgets its address once closed
        }

        private void accept() {
            while (server.isOpen()) {
                SocketChannel client;
                try {
                    client = server.accept();
                }
                catch (IOException e) {
                    return; // closed
                }
                try {
                    client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    SocketChannel upstream = SocketChannel.open(StandardProtocolFamily.UNIX);
                    upstream.connect(UnixDomainSocketAddress.of(socket));
                    open.add(client);
                    open.add(upstream);
                    AtomicInteger directions = new AtomicInteger(2);
                    pump(client, upstream, directions);
                    pump(upstream, client, directions);
                }
                catch (IOException e) {
                    closeQuietly(client);
                }
            }
        }

        /** Copies one direction; on its end, half-closes the other side; when both directions ended, closes both. */
        private void pump(SocketChannel from, SocketChannel to, AtomicInteger directions) {
            Thread t = new Thread(() -> {
                ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
                try {
                    while (from.read(buffer) >= 0) {
                        buffer.flip();
                        while (buffer.hasRemaining()) {
                            to.write(buffer);
                        }
                        buffer.clear();
                    }
                    to.shutdownOutput();
                    if (directions.decrementAndGet() > 0) {
                        return;
                    }
                }
                catch (IOException e) {
                    // reset, or closed by close(): drop the connection
                }
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }, "pump");
            t.setDaemon(true);
            t.start();
        }

        /**
         * Returns once the port refuses connections. Closing a channel that another thread is blocked
         * in {@code accept} on only signals that thread: the kernel keeps the socket listening until
         * the blocked call returns, so a connection made in between would still be accepted.
         */
        void close() throws IOException {
            closeQuietly(server);
            try {
                accept.join(5_000);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (accept.isAlive()) {
                throw new IOException("the listener on port " + port + " did not stop accepting in 5 s");
            }
            open.forEach(Listener::closeQuietly);
            open.clear();
        }

        private static void closeQuietly(java.io.Closeable c) {
            try {
                c.close();
            }
            catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
