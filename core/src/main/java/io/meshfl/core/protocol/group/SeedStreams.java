package io.meshfl.core.protocol.group;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * Pseudo-random streams from a group's 256-bit seed: AES-256 in counter mode under a key derived
 * by HMAC-SHA256 from the seed and a label, so every member draws the same numbers for the same
 * label and no one without the seed can.
 */
public final class SeedStreams {

    private SeedStreams() {
    }

    /** A fresh 256-bit seed. */
    public static byte[] newSeed() {
        byte[] s = new byte[32];
        new SecureRandom().nextBytes(s);
        return s;
    }

    /** {@code count} bytes of the stream labelled {@code label}. */
    public static byte[] bytes(byte[] seed, String label, int count) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(seed, "HmacSHA256"));
            byte[] key = mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
            Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
            return aes.doFinal(new byte[count]);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 or AES/CTR is missing from this JVM", e);
        }
    }

    /** {@code count} uniform longs. */
    public static long[] longs(byte[] seed, String label, int count) {
        long[] out = new long[count];
        ByteBuffer.wrap(bytes(seed, label, 8 * count)).asLongBuffer().get(out);
        return out;
    }

    /** {@code count} numbers uniform modulo {@code n}: each drawn 64 bits longer than n, so the reduction's bias is below 2^-64. */
    public static BigInteger[] modN(byte[] seed, String label, BigInteger n, int count) {
        int width = (n.bitLength() + 64 + 7) / 8;
        byte[] all = bytes(seed, label, width * count);
        BigInteger[] out = new BigInteger[count];
        byte[] one = new byte[width];
        for (int i = 0; i < count; i++) {
            System.arraycopy(all, i * width, one, 0, width);
            out[i] = new BigInteger(1, one).mod(n);
        }
        return out;
    }

    /** {@code count} uniform bits. */
    public static boolean[] bits(byte[] seed, String label, int count) {
        byte[] b = bytes(seed, label, (count + 7) / 8);
        boolean[] out = new boolean[count];
        for (int i = 0; i < count; i++) out[i] = (b[i >>> 3] >>> (i & 7) & 1) != 0;
        return out;
    }
}
