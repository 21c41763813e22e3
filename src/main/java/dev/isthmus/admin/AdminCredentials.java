package dev.isthmus.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials of the admin port, read from files (a Kubernetes Secret mount): a bearer token
 * ({@code isthmus.admin.auth.bearer-token-file}, the whole file, trimmed) and/or basic credentials
 * ({@code isthmus.admin.auth.basic-credentials-file}, one {@code user:password} per line). A file is
 * read again when its modification time changes, so a rotated Secret applies without a restart;
 * an unreadable file denies everything until it is readable again (fail closed). Comparisons are
 * of SHA-256 digests with {@link MessageDigest#isEqual}: constant time, and no length leak.
 */
public final class AdminCredentials {

    private static final Logger log = LoggerFactory.getLogger(AdminCredentials.class);

    private final Source bearer;
    private final Source basic;

    public AdminCredentials(String bearerTokenFile, String basicCredentialsFile) {
        this.bearer = bearerTokenFile == null || bearerTokenFile.isBlank() ? null : new Source(Path.of(bearerTokenFile), true);
        this.basic = basicCredentialsFile == null || basicCredentialsFile.isBlank() ? null : new Source(Path.of(basicCredentialsFile), false);
        if (bearer != null) {
            bearer.current();
        }
        if (basic != null) {
            basic.current();
        }
    }

    boolean enabled() {
        return bearer != null || basic != null;
    }

    boolean acceptsBearer() {
        return bearer != null;
    }

    boolean acceptsBasic() {
        return basic != null;
    }

    /** The principal name for a valid Authorization header, or null. */
    String authenticate(String authorization) {
        if (authorization == null) {
            return null;
        }
        if (bearer != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return matches(bearer.current(), authorization.substring(7).trim()) ? "bearer" : null;
        }
        if (basic != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String pair;
            try {
                pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            }
            catch (IllegalArgumentException e) {
                return null;
            }
            int colon = pair.indexOf(':');
            return colon > 0 && matches(basic.current(), pair) ? pair.substring(0, colon) : null;
        }
        return null;
    }

    private static boolean matches(List<byte[]> accepted, String candidate) {
        byte[] c = sha256(candidate);
        boolean any = false;
        for (byte[] a : accepted) {
            any |= MessageDigest.isEqual(a, c); // no early exit: every entry is compared
        }
        return any;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One credentials file and its digests, re-read when the file changes. */
    private static final class Source {
        private final Path file;
        private final boolean wholeFile;
        private volatile FileTime readAt;
        private volatile List<byte[]> digests = List.of();

        Source(Path file, boolean wholeFile) {
            this.file = file;
            this.wholeFile = wholeFile;
        }

        List<byte[]> current() {
            try {
                FileTime modified = Files.getLastModifiedTime(file); // follows the Secret mount's symlinks
                if (!modified.equals(readAt)) {
                    synchronized (this) {
                        List<byte[]> out = new ArrayList<>();
                        String text = Files.readString(file, StandardCharsets.UTF_8);
                        if (wholeFile) {
                            if (!text.isBlank()) {
                                out.add(sha256(text.trim()));
                            }
                        }
                        else {
                            for (String line : text.split("\r?\n")) {
                                if (!line.isBlank() && !line.startsWith("#") && line.indexOf(':') > 0) {
                                    out.add(sha256(line.trim()));
                                }
                            }
                        }
                        if (out.isEmpty()) {
                            log.warn("Admin credentials file {} holds no credentials: every authenticated request is refused", file);
                        }
                        digests = List.copyOf(out);
                        readAt = modified;
                    }
                }
                return digests;
            }
            catch (IOException e) {
                log.warn("Admin credentials file {} is unreadable ({}): every authenticated request is refused", file, e.toString());
                readAt = null;
                digests = List.of();
                return digests;
            }
        }
    }
}
