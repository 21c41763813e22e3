package dev.isthmus.runtime.ratelimit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * 128 bits of a rate-limit key's SHA-256: what both scopes store instead of the key, so a client's
 * 8 KB header value costs 16 bytes, and no client can craft a key that shares another's bucket.
 */
final class KeyDigest {

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private KeyDigest() {
    }

    /** The first 16 bytes of SHA-256(key), as two longs. */
    static long[] of(String key) {
        ByteBuffer b = ByteBuffer.wrap(SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
        return new long[] { b.getLong(), b.getLong() };
    }

    /** The same, as 32 hex digits (Redis keys). */
    static String hex(String key) {
        long[] d = of(key);
        return String.format("%016x%016x", d[0], d[1]);
    }
}
