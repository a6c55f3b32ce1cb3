package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

/**
 * The ring Z_{2^bits} that quantized updates, masks and their sums live in. Arithmetic is plain
 * {@code long} arithmetic followed by a bit mask, so wrap-around is free; {@code bits} stops at 62
 * so that a reduced value stays positive and a difference of two reduced values cannot overflow.
 */
public record Ring(int bits) {

    public static final int MAX_BITS = 62;

    public Ring {
        if (bits < 1 || bits > MAX_BITS) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    "ring field 'bits' must be in 1.." + MAX_BITS + ", got " + bits);
        }
    }

    /** The usual SecAgg ring, Z_{2^32}. */
    public static Ring z32() {
        return new Ring(32);
    }

    public long modulus() {
        return 1L << bits;
    }

    public long mask() {
        return (1L << bits) - 1;
    }

    public long reduce(long v) {
        return v & mask();
    }

    /** {@code acc += v} element-wise, in place. */
    public void addInto(long[] acc, long[] v) {
        checkLength(acc, v);
        long m = mask();
        for (int i = 0; i < acc.length; i++) {
            acc[i] = (acc[i] + v[i]) & m;
        }
    }

    /** {@code acc -= v} element-wise, in place. */
    public void subtractInto(long[] acc, long[] v) {
        checkLength(acc, v);
        long m = mask();
        for (int i = 0; i < acc.length; i++) {
            acc[i] = (acc[i] - v[i]) & m;
        }
    }

    /** Element-wise sum of equally long vectors. */
    public long[] sum(Iterable<long[]> vectors) {
        long[] acc = null;
        for (long[] v : vectors) {
            if (acc == null) {
                acc = new long[v.length];
            }
            addInto(acc, v);
        }
        if (acc == null) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "cannot sum an empty set of vectors");
        }
        return acc;
    }

    private static void checkLength(long[] acc, long[] v) {
        if (acc.length != v.length) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE,
                    "vector lengths differ: " + acc.length + " vs " + v.length);
        }
    }
}
