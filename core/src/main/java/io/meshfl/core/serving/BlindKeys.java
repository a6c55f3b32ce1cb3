package io.meshfl.core.serving;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * Entity keys as the parties of a serving session compare them: HMAC-SHA-256 under a key the
 * requester draws per session and seals to each party, cut to 16 bytes. The coordinator relaying
 * them does not hold the key, so it cannot tell which entity a blinded key stands for, nor test a
 * guess; a party matches them only against its own entities.
 */
public final class BlindKeys {

    /** Bytes of one blinded key on the wire. */
    public static final int BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Mac mac;

    public BlindKeys(byte[] key) {
        if (key.length != 32) throw new IllegalArgumentException("a serving key has 32 bytes, got " + key.length);
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is not available", e);
        }
    }

    /** A fresh session key. */
    public static byte[] newKey() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return k;
    }

    /** The blinded form of one entity key (not thread-safe: one instance per thread or caller). */
    public ByteBuffer blind(String entityKey) {
        byte[] h = mac.doFinal(entityKey.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(java.util.Arrays.copyOf(h, BYTES));
    }

    /** The blinded forms of {@code keys}, concatenated. */
    public byte[] blindAll(String[] keys) {
        byte[] out = new byte[keys.length * BYTES];
        for (int i = 0; i < keys.length; i++) System.arraycopy(blind(keys[i]).array(), 0, out, i * BYTES, BYTES);
        return out;
    }
}
