package dev.isthmus.source.file;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.model.SourceSnapshot;
import dev.isthmus.source.RouteSource;
import dev.isthmus.source.RoutesDocumentParser;
import dev.isthmus.model.SyncStatus;
import dev.isthmus.model.SyncStatusTracker;
import dev.isthmus.platform.DaemonThreads;

/**
 * Routes from a local YAML file ({@code isthmus.file.path}), watched through the file system's
 * change notifications (inotify on Linux: no polling). The parent directory is watched rather than
 * the file, so editors that replace the file and Kubernetes' symlink swap of mounted ConfigMaps are
 * seen too. A file that is not valid YAML keeps the last good routes and is reported.
 */
public final class FileRouteSource implements RouteSource {

    private static final Logger log = LoggerFactory.getLogger(FileRouteSource.class);

    private final Path file;
    private final long settleMillis;
    private final SyncStatusTracker status = new SyncStatusTracker("file");
    private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();
    private final Clock clock = Clock.systemUTC();
    private volatile WatchService watcher;
    private volatile Thread thread;
    private String lastDigest;
    private long generation;

    /**
     * @param settleMillis quiet time after a change event before the file is read, so a file
     *     being written in several steps is read once, whole
     */
    public FileRouteSource(Path file, long settleMillis) {
        this.file = file.toAbsolutePath().normalize();
        this.settleMillis = settleMillis;
    }

    @Override
    public String id() {
        return "file";
    }

    public Path path() {
        return file;
    }

    @Override
    public void start(Consumer<SourceSnapshot> sink) {
        reload(sink);
        try {
            Path dir = file.getParent();
            Files.createDirectories(dir);
            watcher = FileSystems.getDefault().newWatchService();
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        }
        catch (IOException e) {
            status.failed("cannot watch " + file.getParent() + ": " + e.getMessage());
            log.error("Routes file {}: cannot watch its directory; edits will not apply until restart: {}", file, e.toString());
            return;
        }
        thread = DaemonThreads.start("isthmus-file-source", () -> watch(sink));
    }

    private void watch(Consumer<SourceSnapshot> sink) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                WatchKey key = watcher.take();
                // Drain the burst of events one save produces, then read once.
                do {
                    key.pollEvents();
                    key.reset();
                    key = watcher.poll(settleMillis, TimeUnit.MILLISECONDS);
                }
                while (key != null);
                reload(sink);
            }
        }
        catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized void reload(Consumer<SourceSnapshot> sink) {
        Instant observed = clock.instant();
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (NoSuchFileException e) {
            content = null;
        }
        catch (IOException e) {
            status.failed("cannot read " + file + ": " + e.getMessage());
            log.error("Routes file {}: cannot read it, keeping the last good routes: {}", file, e.toString());
            return;
        }
        if (content != null && content.isBlank() && lastDigest != null) {
            // Most writers truncate, then write: a blank file is a save in progress far more often
            // than a wish to drop every route (write "routes: []" for that). Keep the last good routes.
            log.debug("Routes file {} is empty, keeping the last good routes until it has content", file);
            status.synced(status.get().version(), false, file + " is empty: last good routes kept (write 'routes: []' to remove them)");
            return;
        }
        String digest = content == null ? "absent" : sha256(content);
        if (digest.equals(lastDigest)) {
            return; // a touch, or an event for another file in the directory
        }
        ObjectRef object = ObjectRef.file(file.toString());
        RoutesDocumentParser.Result result;
        if (content == null) {
            result = new RoutesDocumentParser.Result(List.of(), List.of());
        }
        else {
            try {
                long gen = generation + 1;
                result = RoutesDocumentParser.parse(content, object, gen, name -> "file/" + name,
                        name -> firstSeen.computeIfAbsent(name, n -> observed));
            }
            catch (RoutesDocumentParser.InvalidDocumentException e) {
                status.failed(file + ": " + e.getMessage());
                log.error("Routes file {} rejected, keeping the last good routes: {}", file, e.getMessage());
                return;
            }
        }
        generation++;
        lastDigest = digest;
        for (SourceProblem p : result.problems()) {
            log.warn("Routes file {}: {}", file, p.message());
        }
        log.info("Routes file {}: {} route(s), {} named polic{}, {} rejected{}", file, result.routes().size(), result.policies().size(),
                result.policies().size() == 1 ? "y" : "ies", result.problems().size(), content == null ? " (file does not exist)" : "");
        status.synced(digest.length() > 12 ? digest.substring(0, 12) : digest, true,
                content == null ? "file does not exist: " + file : file.toString());
        sink.accept(new SourceSnapshot(id(), result.routes(), result.policies(), result.problems(), digest, observed));
    }

    @Override
    public void stop() {
        status.stopped();
        try {
            if (watcher != null) {
                watcher.close();
            }
        }
        catch (IOException ignored) {
            // closing a watch service only fails if it is already closed
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public SyncStatus status() {
        return status.get();
    }

    private static String sha256(String content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
