package dev.isthmus.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP forwarder for fault injection: tests point a client at it, then cut every
 * connection and refuse new ones (an outage), and later forward again, possibly to a restarted
 * server on another port. Blocking I/O, two threads per connection: fine for test traffic.
 */
public final class TcpProxy implements AutoCloseable {

    private final int port;
    private volatile int targetPort;
    private volatile ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    public TcpProxy(int targetPort) {
        this.port = RealInfra.freePort();
        this.targetPort = targetPort;
        open();
    }

    public int port() {
        return port;
    }

    public void forwardTo(int targetPort) {
        this.targetPort = targetPort;
    }

    /** Closes every open connection and stops accepting: clients see resets, then connection refused. */
    public synchronized void outage() {
        try {
            if (server != null) {
                server.close();
            }
        }
        catch (IOException ignored) {
            // closing
        }
        server = null;
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    /** Accepts connections again (same port). */
    public synchronized void restore() {
        if (server == null) {
            open();
        }
    }

    private synchronized void open() {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = s;
            Thread t = new Thread(() -> accept(s), "tcp-proxy-" + port);
            t.setDaemon(true);
            t.start();
        }
        catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + port, e);
        }
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream;
                try {
                    upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                }
                catch (IOException e) {
                    closeQuietly(client);
                    continue;
                }
                synchronized (this) {
                    // an outage() that ran since accept() returned has not seen these sockets:
                    // close them here, so nothing reaches the target during an outage
                    if (server != s) {
                        closeQuietly(client);
                        closeQuietly(upstream);
                        continue;
                    }
                    sockets.add(client);
                    sockets.add(upstream);
                }
                pipe(client, upstream);
                pipe(upstream, client);
            }
            catch (IOException e) {
                return;
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            }
            catch (IOException ignored) {
                // connection closed
            }
            finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "tcp-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        }
        catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        outage();
    }
}
