package io.meshfl.core.crypto.paillier;

import static io.meshfl.core.ErrorCode.CRYPTO_FAILURE;

import io.meshfl.core.MeshflException;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Fixed-point encoding of signed reals as Paillier plaintexts: x becomes round(x * 2^f) mod n,
 * so negatives wrap to n - |v| and values above n/2 decode as negative. Sums of encodings keep
 * the scale 2^f; a ciphertext of an encoding raised to an encoded multiplier carries 2^(2f), which
 * {@link #decode(BigInteger, int)} removes.
 *
 * <p>A single encoding is limited to |x| * 2^f below 2^((bits - 2) / 2), so that the product of
 * two encodings stays below n/2 and cannot wrap; sums of many products need their own margin.
 */
public final class FixedPoint {
    public static final int DEFAULT_FRAC_BITS = 32;

    private final BigInteger n;
    private final BigInteger half;
    private final int fracBits;
    private final int limitBits;
    private final BigInteger limit;

    public FixedPoint(PaillierPublicKey pk) {
        this(pk, DEFAULT_FRAC_BITS);
    }

    public FixedPoint(PaillierPublicKey pk, int fracBits) {
        if (fracBits < 0 || fracBits > 62) {
            throw new MeshflException(CRYPTO_FAILURE, "fracBits " + fracBits + ": allowed 0..62");
        }
        this.n = pk.n();
        this.half = n.shiftRight(1);
        this.fracBits = fracBits;
        this.limitBits = (n.bitLength() - 2) / 2;
        this.limit = BigInteger.ONE.shiftLeft(limitBits);
    }

    public int fracBits() {
        return fracBits;
    }

    /** round(x * 2^fracBits) mod n, rounding half to even. */
    public BigInteger encode(double x) {
        checkFinite(x);
        BigInteger v = scaledRounded(x);
        if (v.abs().compareTo(limit) >= 0) {
            throw new MeshflException(CRYPTO_FAILURE, "value " + x + " too large to encode: |x| * 2^" + fracBits
                    + " must stay below 2^" + limitBits + " so that a product of two encodings cannot wrap mod n");
        }
        return v.signum() >= 0 ? v : n.add(v);
    }

    /** round(x * 2^fracBits) as a 64-bit plaintext multiplier, e.g. for {@link Homomorphic#sumProducts(BigInteger[], long[])}. */
    public long encodeLong(double x) {
        checkFinite(x);
        double y = Math.rint(Math.scalb(x, fracBits));
        if (!(Math.abs(y) < 0x1p63)) {
            throw new MeshflException(CRYPTO_FAILURE, "value " + x + " too large for a 64-bit multiplier with "
                    + fracBits + " fractional bits: |x| must stay below 2^" + (63 - fracBits));
        }
        return (long) y;
    }

    /** The real encoded by m with scale 2^fracBits. */
    public double decode(BigInteger m) {
        return decode(m, 1);
    }

    /** The real encoded by m with scale 2^(scaleExponent * fracBits), e.g. 2 for a product of two encodings. */
    public double decode(BigInteger m, int scaleExponent) {
        if (m == null || m.signum() < 0 || m.compareTo(n) >= 0) {
            throw new MeshflException(CRYPTO_FAILURE, "fixed-point value out of range [0, n)");
        }
        if (scaleExponent < 0) {
            throw new MeshflException(CRYPTO_FAILURE, "scaleExponent " + scaleExponent + ": must be 0 or more");
        }
        BigInteger v = m.compareTo(half) > 0 ? m.subtract(n) : m;
        return scaledDown(v, (long) scaleExponent * fracBits);
    }

    private static void checkFinite(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            throw new MeshflException(CRYPTO_FAILURE, "cannot encode " + x + ": fixed-point needs a finite value");
        }
    }

    private BigInteger scaledRounded(double x) {
        double y = Math.scalb(x, fracBits);
        if (Double.isInfinite(y)) {
            // |x| >= 2^(1024 - fracBits) is already an integer, so shifting loses nothing
            return new BigDecimal(x).toBigIntegerExact().shiftLeft(fracBits);
        }
        double r = Math.rint(y);
        return Math.abs(r) < 0x1p62 ? BigInteger.valueOf((long) r) : new BigDecimal(r).toBigIntegerExact();
    }

    /**
     * v / 2^shift rounded once to the nearest double. Values too long for a double are first
     * shifted down with a sticky bit standing for the dropped bits, which keeps the rounding exact.
     */
    private static double scaledDown(BigInteger v, long shift) {
        BigInteger a = v.abs();
        long drop = Math.min(shift, Math.max(0, a.bitLength() - 64));
        if (drop > 0) {
            boolean sticky = a.getLowestSetBit() < drop;
            a = a.shiftRight((int) drop);
            if (sticky) a = a.setBit(0);
        }
        double d = Math.scalb(a.doubleValue(), (int) -Math.min(shift - drop, 4000));
        return v.signum() < 0 ? -d : d;
    }
}
