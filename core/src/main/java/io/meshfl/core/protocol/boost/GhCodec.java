package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.math.BigInteger;

/**
 * One Paillier plaintext per row carrying both fixed-point gradient and hessian:
 * G * 2^64 + H mod n, G in two's complement. Sums of up to 2^62 in H never carry into G, and a
 * decrypted sum above n/2 is read as negative, so one decryption gives both exact sums.
 */
public final class GhCodec {

    static final int SHIFT = 64;
    private static final BigInteger LOW = BigInteger.ONE.shiftLeft(SHIFT).subtract(BigInteger.ONE);

    private GhCodec() {
    }

    /** The plaintext of one row's (g, h); h must be non-negative. */
    public static BigInteger encode(long g, long h, BigInteger n) {
        BigInteger v = BigInteger.valueOf(g).shiftLeft(SHIFT).add(BigInteger.valueOf(h));
        return v.signum() < 0 ? v.add(n) : v;
    }

    /** (G, H) of a decrypted sum. */
    public static long[] decode(BigInteger plain, BigInteger n) {
        BigInteger v = plain.compareTo(n.shiftRight(1)) > 0 ? plain.subtract(n) : plain;
        BigInteger h = v.and(LOW);
        BigInteger g = v.shiftRight(SHIFT);
        if (g.bitLength() > 63 || h.bitLength() > 63) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "decrypted histogram sum is out of range: tampered or foreign ciphertext");
        }
        return new long[]{g.longValue(), h.longValue()};
    }
}
