package io.meshfl.engine.spark;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

/**
 * The secret order of an alignment's keys: each row's place is a keyed pseudo-random function
 * (HMAC-SHA256) of its number, under a key that lives only as long as the alignment, so the
 * shuffled positions the coordinator sees say nothing of row order or key order, and the shuffle
 * needs no permutation held in one place.
 */
final class Shuffle {

    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    });

    private Shuffle() {
    }

    /** The sort key of row {@code row} under {@code key}. */
    static long order(byte[] key, long row) {
        try {
            Mac mac = MAC.get();
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(row).array());
            return ByteBuffer.wrap(h).getLong();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 refused a 32-byte key", e);
        }
    }
}
