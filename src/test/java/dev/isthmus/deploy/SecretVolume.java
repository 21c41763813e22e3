package dev.isthmus.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A directory laid out the way the kubelet projects a Secret or ConfigMap volume: every key is a
 * symlink {@code key -> ..data/key}, {@code ..data} is a symlink to a timestamped directory, and
 * an update writes a new timestamped directory and atomically renames a new {@code ..data} link
 * over the old one (the kubelet's AtomicWriter). Files are never rewritten in place.
 */
final class SecretVolume {

    private final Path dir;
    private int generation;

    private SecretVolume(Path dir) {
        this.dir = dir;
    }

    static SecretVolume create(Path dir, Map<String, String> files) throws IOException {
        Files.createDirectories(dir);
        SecretVolume v = new SecretVolume(dir);
        v.update(files);
        for (String key : files.keySet()) {
            Files.createSymbolicLink(dir.resolve(key), Path.of("..data", key));
        }
        return v;
    }

    Path dir() {
        return dir;
    }

    /** What the kubelet does when the Secret changes. */
    void update(Map<String, String> files) throws IOException {
        Path previous = Files.isSymbolicLink(dir.resolve("..data")) ? dir.resolve(Files.readSymbolicLink(dir.resolve("..data"))) : null;
        Path next = dir.resolve("..generation_" + (++generation));
        Files.createDirectories(next);
        for (var e : files.entrySet()) {
            Files.writeString(next.resolve(e.getKey()), e.getValue());
        }
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, next.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (previous != null) {
            Helm.deleteTree(previous);
        }
    }
}
