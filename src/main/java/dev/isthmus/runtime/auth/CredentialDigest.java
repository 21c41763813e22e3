package dev.isthmus.runtime.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the auth caches store instead of a credential: 128 bits of its HMAC-SHA256 under a key made
 * at random when the gateway starts. A cache entry never holds a password or token, no client can
 * craft a credential that lands on another's entry, and a heap dump gives nothing to test guesses
 * against (the key is gone with the process).
 */
final class CredentialDigest {

    /** One credential's digest. */
    record Key(long hi, long lo) {
    }

    private static final byte[] SECRET = new byte[32];
    static {
        new SecureRandom().nextBytes(SECRET);
    }

    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
            return mac;
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });

    private CredentialDigest() {
    }

    /** The digest of the parts, each length-prefixed so that ("ab", "c") and ("a", "bc") differ. */
    static Key of(String... parts) {
        Mac mac = HMAC.get();
        for (String part : parts) {
            byte[] b = (part == null ? "" : part).getBytes(StandardCharsets.UTF_8);
            mac.update(ByteBuffer.allocate(4).putInt(part == null ? -1 : b.length).array());
            mac.update(b);
        }
        ByteBuffer d = ByteBuffer.wrap(mac.doFinal());
        return new Key(d.getLong(), d.getLong());
    }
}
