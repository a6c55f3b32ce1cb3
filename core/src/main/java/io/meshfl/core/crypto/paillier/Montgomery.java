package io.meshfl.core.crypto.paillier;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * Montgomery multiplication modulo one fixed odd modulus m, on numbers held as s limbs of w <= 28
 * bits, least significant first.
 *
 * <p>Limbs this narrow leave room in 64 bits for every partial product that lands in one column of
 * a multiplication, so carries are propagated once per multiplication instead of once per limb
 * product. That turns the inner loop into a plain multiply-add over three arrays at the same
 * index, which C2 compiles to vector instructions; 64-bit or 32-bit limbs with a carry per step
 * measured 2 to 3 times slower because every step waits on the previous carry.
 *
 * <p>Values are kept below 2m, not below m: with R = 2^(w*s) >= 4m, the product of two such values
 * divided by R stays below 2m, so no comparison or final subtraction is needed per product.
 */
final class Montgomery {
    private final BigInteger modulus;
    private final int w;
    private final int s;
    private final long mask;
    private final long[] n;
    private final long nPrime;
    private final int[] one;
    /** R^2 mod m: a Montgomery product with it converts into Montgomery form. */
    private final int[] rSquared;

    Montgomery(BigInteger modulus) {
        if (modulus.signum() <= 0 || !modulus.testBit(0)) {
            throw new IllegalArgumentException("Montgomery modulus must be positive and odd");
        }
        int width = 28;
        int limbs;
        while (true) {
            limbs = (modulus.bitLength() + 2 + width - 1) / width;
            // a column collects at most 2s limb products and one carry; all must fit in 64 unsigned bits
            BigInteger worst = BigInteger.valueOf(2L * limbs).shiftLeft(2 * width).add(BigInteger.ONE.shiftLeft(64 - width));
            if (worst.bitLength() <= 64) break;
            width--;
        }
        this.modulus = modulus;
        this.w = width;
        this.s = limbs;
        this.mask = (1L << width) - 1;
        this.n = new long[limbs];
        int[] tmp = new int[limbs];
        split(modulus, tmp, 0);
        for (int j = 0; j < limbs; j++) n[j] = tmp[j];
        this.nPrime = modulus.negate().modInverse(BigInteger.ONE.shiftLeft(width)).longValue();
        this.one = new int[limbs];
        one[0] = 1;
        this.rSquared = new int[limbs];
        split(BigInteger.ONE.shiftLeft(2 * width * limbs).mod(modulus), rSquared, 0);
    }

    /** Number of limbs of a value. */
    int limbs() {
        return s;
    }

    /**
     * Writes x * R mod m, up to a multiple of m (below 2m), as limbs into dst at off. x may be any
     * integer; one in [0, m) costs a Montgomery product instead of a division.
     */
    void toMontgomery(BigInteger x, int[] dst, int off) {
        BigInteger reduced = x.signum() >= 0 && x.compareTo(modulus) < 0 ? x : x.mod(modulus);
        int[] digits = new int[s];
        split(reduced, digits, 0);
        long[] a = new long[s];
        for (int j = 0; j < s; j++) a[j] = digits[j];
        mul(a, rSquared, 0, new long[s + 1]);
        for (int j = 0; j < s; j++) dst[off + j] = (int) a[j];
    }

    /** Every value in Montgomery form, value i at [i * limbs, (i + 1) * limbs) of one flat array, converted in parallel. */
    int[] toMontgomeryAll(BigInteger[] values) {
        int[] out = new int[Math.multiplyExact(values.length, s)];
        java.util.stream.IntStream.range(0, values.length).parallel().forEach(i -> toMontgomery(values[i], out, i * s));
        return out;
    }

    /** acc times value {@code off} of a flat array ({@link #mul}), or a copy of that value when acc is null; returns acc. */
    long[] multiplyInto(long[] acc, int[] values, int off, long[] t) {
        if (acc == null) {
            long[] a = new long[s];
            for (int j = 0; j < s; j++) a[j] = values[off + j];
            return a;
        }
        mul(acc, values, off, t);
        return acc;
    }

    /** a = a * b / R mod m, up to a multiple of m, for b the limbs of bs at bo; t is scratch of s + 1 longs. */
    void mul(long[] a, int[] bs, int bo, long[] t) {
        final int s = this.s;
        final long[] n = this.n;
        final long mask = this.mask;
        final int w = this.w;
        final long np = nPrime;
        Arrays.fill(t, 0L);
        for (int i = 0; i < s; i++) {
            long bi = bs[bo + i];
            long m = ((t[0] + a[0] * bi) * np) & mask;
            // same index on every array: C2 vectorizes this, which it does not for offset or shifted indices
            for (int j = 0; j < s; j++) t[j] += a[j] * bi + m * n[j];
            long carry = t[0] >>> w;
            System.arraycopy(t, 1, t, 0, s);
            t[0] += carry;
        }
        long c = 0;
        for (int j = 0; j < s; j++) {
            long v = t[j] + c;
            a[j] = v & mask;
            c = v >>> w;
        }
    }

    /** The value in [0, m) of a (in Montgomery form, below 2m); a is overwritten, t is scratch of s + 1 longs. */
    BigInteger fromMontgomery(long[] a, long[] t) {
        mul(a, one, 0, t);
        BigInteger x = join(a);
        return x.compareTo(modulus) >= 0 ? x.subtract(modulus) : x;
    }

    /** The limbs of x (below 2^(w*s)) into dst at off. */
    private void split(BigInteger x, int[] dst, int off) {
        byte[] be = x.toByteArray();
        int len = be.length;
        for (int j = 0; j < s; j++) {
            int p = j * w;
            int first = p >>> 3;
            long bits = 0;
            // w + 7 <= 35 bits: five bytes always cover the limb
            for (int k = 4; k >= 0; k--) {
                int idx = first + k;
                bits = (bits << 8) | (idx < len ? be[len - 1 - idx] & 0xFF : 0);
            }
            dst[off + j] = (int) ((bits >>> (p & 7)) & mask);
        }
    }

    /** The integer with the normalized limbs a. */
    private BigInteger join(long[] a) {
        int bytes = (w * s + 7) / 8 + 1;
        byte[] be = new byte[bytes];
        long buf = 0;
        int held = 0;
        int pos = bytes - 1;
        for (int j = 0; j < s; j++) {
            buf |= a[j] << held;
            held += w;
            while (held >= 8) {
                be[pos--] = (byte) buf;
                buf >>>= 8;
                held -= 8;
            }
        }
        while (pos >= 0) {
            be[pos--] = (byte) buf;
            buf >>>= 8;
        }
        return new BigInteger(1, be);
    }
}
