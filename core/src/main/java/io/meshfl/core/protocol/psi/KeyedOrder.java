package io.meshfl.core.protocol.psi;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * The common order of aligned entities when a party is a group: by HMAC-SHA256 of the key under a
 * key derived from the job's seed. It is the same on every party and in every run of the job, and
 * a member told where its entities fall learns only how many common entities lie between them,
 * which says nothing of their keys.
 */
public final class KeyedOrder {

    private KeyedOrder() {
    }

    public static byte[][] hashes(long seed, String[] keys) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(("meshfl-entity-order:" + seed).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[][] out = new byte[keys.length][];
            for (int i = 0; i < keys.length; i++) out[i] = mac.doFinal(keys[i].getBytes(StandardCharsets.UTF_8));
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    public static int compare(byte[] a, byte[] b, String keyA, String keyB) {
        int c = Arrays.compareUnsigned(a, b);
        return c != 0 ? c : keyA.compareTo(keyB);
    }
}
