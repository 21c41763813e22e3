package dev.isthmus.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A network namespace of the test JVM's own, for upstreams that must not be on loopback: the API
 * server refuses loopback addresses in EndpointSlices, and tests never send traffic to this
 * machine's own interface addresses. One per JVM ({@link #shared()}): {@code ip netns add
 * isthmus-test-<pid>}, a veth pair to it with a /30 from 10.244.0.0/16 that no route or address
 * of this machine overlaps (.1 on this side, .2 inside), and a {@link NamespaceForwarder} running
 * inside ({@code ip netns exec}). {@link #expose} makes a Unix-socket server reachable at the
 * namespace's address. Everything is removed on JVM exit, and namespaces left by a JVM that was
 * killed are removed by the next one. Needs root (CAP_NET_ADMIN) and iproute2: without them the
 * test skips, or fails under ISTHMUS_REQUIRE_REAL_INFRA=true.
 */
public final class TestNetwork implements AutoCloseable {

    private static final String PREFIX = "isthmus-test-";
    private static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "isthmus-test-network.lock");
    private static TestNetwork shared;

    private final String namespace;
    private final String hostInterface;
    private final String hostAddress;
    private final String address;
    private final Path sockets;
    private final Process forwarder;
    private final Writer commands;
    private final BufferedReader answers;
    private final Thread cleanup;

    private TestNetwork(String namespace, String hostInterface, String hostAddress, String address, Path sockets, Process forwarder) {
        this.namespace = namespace;
        this.hostInterface = hostInterface;
        this.hostAddress = hostAddress;
        this.address = address;
        this.sockets = sockets;
        this.forwarder = forwarder;
        this.commands = new OutputStreamWriter(forwarder.getOutputStream(), StandardCharsets.UTF_8);
        this.answers = new BufferedReader(new InputStreamReader(forwarder.getInputStream(), StandardCharsets.UTF_8));
        this.cleanup = new Thread(this::remove, "test-network-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** This JVM's namespace, created on first use; skips (or fails, when real infrastructure is required) where it cannot be. */
    public static synchronized TestNetwork shared() {
        if (shared == null) {
            String missing = missingCapability();
            if (missing != null) {
                RealInfra.unavailable("a test network namespace (ip netns + veth)", missing);
            }
            try {
                shared = create();
            }
            catch (IllegalStateException e) {
                RealInfra.unavailable("a test network namespace (ip netns + veth)", e.getMessage());
            }
        }
        return shared;
    }

    /** The namespace's address: where exposed servers listen, what EndpointSlices point at. */
    public String address() {
        return address;
    }

    public String namespace() {
        return namespace;
    }

    /** A server listening on the Unix socket {@code socket}, made reachable at {@link #address()}:{@link Exposure#port()}. */
    public synchronized Exposure expose(Path socket) {
        String port = command("listen " + socket);
        return new Exposure(Integer.parseInt(port));
    }

    /** A fresh path for a server's Unix socket (short: socket paths are limited to 107 bytes). */
    public Path socketPath(String name) {
        return sockets.resolve(name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + System.nanoTime() % 1_000_000 + ".sock");
    }

    /** One listener in the namespace. */
    public final class Exposure implements AutoCloseable {
        private final int port;
        private volatile boolean closed;

        private Exposure(int port) {
            this.port = port;
        }

        public String host() {
            return address;
        }

        public int port() {
            return port;
        }

        /** Stops listening and drops the relayed connections: connections to the port are refused from now on. */
        @Override
        public void close() {
            if (!closed && forwarder.isAlive()) {
                closed = true;
                command("close " + port);
            }
        }
    }

    private synchronized String command(String line) {
        try {
            commands.write(line + "\n");
            commands.flush();
            String answer = answers.readLine();
            if (answer == null || !answer.startsWith("ok ")) {
                throw new IllegalStateException("namespace forwarder: " + line + " -> " + answer);
            }
            return answer.substring(3);
        }
        catch (IOException e) {
            throw new IllegalStateException("namespace forwarder: " + line + ": " + e.getMessage(), e);
        }
    }

    /** Null when this process can create namespaces, else why not. */
    static String missingCapability() {
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip")) && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
            return "iproute2's ip command is not installed";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "creating network namespaces needs root (CAP_NET_ADMIN); this JVM runs as " + System.getProperty("user.name");
        }
        return null;
    }

    private static TestNetwork create() {
        long pid = ProcessHandle.current().pid();
        String namespace = PREFIX + pid;
        String hostInterface = "isth" + pid;
        try (FileChannel lockFile = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            removeStale();
            int[] block = freeBlock();
            String net = "10.244." + block[0] + ".";
            String hostAddress = net + (block[1] + 1);
            String address = net + (block[1] + 2);
            ip("netns", "add", namespace);
            try {
                ip("link", "add", hostInterface, "type", "veth", "peer", "name", "veth0", "netns", namespace);
                ip("addr", "add", hostAddress + "/30", "dev", hostInterface);
                ip("link", "set", hostInterface, "up");
                ip("-n", namespace, "addr", "add", address + "/30", "dev", "veth0");
                ip("-n", namespace, "link", "set", "veth0", "up");
                ip("-n", namespace, "link", "set", "lo", "up");
                Path sockets = Files.createTempDirectory(Path.of("/tmp"), "isthmus-ns-");
                TestNetwork network = new TestNetwork(namespace, hostInterface, hostAddress, address, sockets,
                        startForwarder(namespace, address, sockets));
                network.awaitForwarder();
                return network;
            }
            catch (RuntimeException | IOException e) {
                removeQuietly(namespace, hostInterface);
                throw e;
            }
            // the lock is held until the addresses are in place, so concurrent test JVMs pick different blocks
        }
        catch (IOException e) {
            throw new IllegalStateException("cannot create the test network namespace: " + e.getMessage(), e);
        }
    }

    private static Process startForwarder(String namespace, String address, Path sockets) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes;
        try {
            classes = Path.of(NamespaceForwarder.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        }
        catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return new ProcessBuilder("ip", "netns", "exec", namespace, java, "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classes, NamespaceForwarder.class.getName(), address)
                .redirectError(ProcessBuilder.Redirect.appendTo(sockets.resolve("forwarder.log").toFile())).start();
    }

    private void awaitForwarder() throws IOException {
        String ready = answers.readLine();
        if (!"ready".equals(ready)) {
            forwarder.destroyForcibly();
            throw new IllegalStateException("the namespace forwarder did not start: " + ready + " " + Files.readString(sockets.resolve("forwarder.log")));
        }
    }

    /** A /30 of 10.244.0.0/16 that overlaps no address and no route of this machine: {third octet, offset of the block}. */
    private static int[] freeBlock() {
        List<long[]> taken = new ArrayList<>();
        Pattern cidr = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+)(/(\\d+))?");
        for (String line : (ip("-4", "-o", "addr", "show") + "\n" + ip("-4", "route", "show", "table", "all")).split("\n")) {
            for (String token : line.trim().split("\\s+")) {
                Matcher m = cidr.matcher(token);
                if (m.matches()) {
                    int bits = m.group(3) == null ? 32 : Integer.parseInt(m.group(3));
                    if (bits > 0) {
                        long a = toLong(m.group(1));
                        long mask = bits == 32 ? 0xFFFFFFFFL : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
                        taken.add(new long[] { a & mask, (a & mask) | (~mask & 0xFFFFFFFFL) });
                    }
                }
            }
        }
        int start = ThreadLocalRandom.current().nextInt(256 * 64);
        for (int i = 0; i < 256 * 64; i++) {
            int n = (start + i) % (256 * 64);
            int third = n / 64;
            int offset = (n % 64) * 4;
            long first = toLong("10.244." + third + "." + offset);
            long last = first + 3;
            boolean free = taken.stream().noneMatch(r -> r[0] <= last && first <= r[1]);
            if (free) {
                return new int[] { third, offset };
            }
        }
        throw new IllegalStateException("no free /30 in 10.244.0.0/16");
    }

    private static long toLong(String dotted) {
        long v = 0;
        for (String part : dotted.split("\\.")) {
            v = (v << 8) | Integer.parseInt(part);
        }
        return v;
    }

    /** Removes the namespaces (and their host interfaces) of test JVMs that no longer run; creating one does this first. */
    public static void removeStaleNamespaces() {
        try (FileChannel lockFile = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            removeStale();
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void removeStale() {
        for (String line : ip("netns", "list").split("\n")) {
            String name = line.trim().split("\\s+")[0];
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            long pid;
            try {
                pid = Long.parseLong(name.substring(PREFIX.length()));
            }
            catch (NumberFormatException e) {
                continue;
            }
            if (ProcessHandle.of(pid).isEmpty()) {
                for (String p : ip("netns", "pids", name).split("\n")) {
                    if (!p.isBlank()) {
                        ProcessHandle.of(Long.parseLong(p.trim())).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                removeQuietly(name, "isth" + pid);
            }
        }
    }

    private void remove() {
        forwarder.destroyForcibly();
        try {
            forwarder.waitFor(5, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeQuietly(namespace, hostInterface);
        try (var files = Files.list(sockets)) {
            files.forEach(f -> f.toFile().delete());
            Files.deleteIfExists(sockets);
        }
        catch (IOException ignored) {
            // a temporary directory
        }
    }

    private static void removeQuietly(String namespace, String hostInterface) {
        // deleting the namespace destroys its veth end, and with it the pair, but asynchronously
        tryIp("link", "del", hostInterface);
        tryIp("netns", "del", namespace);
    }

    @Override
    public void close() {
        remove();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
        catch (IllegalStateException ignored) {
            // shutting down
        }
    }

    static String ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + ": timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + ": " + out.trim());
            }
            return out;
        }
        catch (IOException e) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void tryIp(String... args) {
        try {
            ip(args);
        }
        catch (IllegalStateException ignored) {
            // already gone
        }
    }

    @Override
    public String toString() {
        return namespace + " (" + address + ", host side " + hostInterface + " " + hostAddress + ")";
    }
}
