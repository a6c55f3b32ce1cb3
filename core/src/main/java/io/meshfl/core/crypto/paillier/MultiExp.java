package io.meshfl.core.crypto.paillier;

import io.meshfl.core.crypto.paillier.ModNSquared.Residue;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * Products of powers prod_i b_i^(e_i) modulo a fixed modulus, for non-negative exponents, by
 * the bucket method (Pippenger): exponents are cut into c-bit digits; for each digit position
 * every base is multiplied into the bucket of its digit, and the buckets are combined with two
 * running products. A term then costs about (exponent bits / c) multiplications instead of one
 * exponentiation each. Few terms go to plain exponentiation, where that is cheaper.
 */
final class MultiExp {
    private MultiExp() {
    }

    /**
     * @param bases     residues in [0, n^2)
     * @param exponents magnitudes as little-endian 64-bit words, one array per base
     */
    static BigInteger product(BigInteger[] bases, long[][] exponents, int count, ModNSquared mod) {
        int bits = 0;
        for (int i = 0; i < count; i++) bits = Math.max(bits, bitLength(exponents[i]));
        if (bits == 0) return BigInteger.ONE;
        int c = bestWindow(count, bits);
        if (c == 0) return naive(bases, exponents, count, mod);
        Residue[] split = new Residue[count];
        for (int i = 0; i < count; i++) split[i] = mod.split(bases[i]);
        int windows = (bits + c - 1) / c;
        Residue acc = null;
        Residue[] buckets = new Residue[1 << c];
        for (int w = windows - 1; w >= 0; w--) {
            if (acc != null) acc = mod.squareTimes(acc, c);
            Arrays.fill(buckets, null);
            for (int i = 0; i < count; i++) {
                int d = digit(exponents[i], w * c, c);
                if (d == 0) continue;
                buckets[d] = buckets[d] == null ? split[i] : mod.mul(buckets[d], split[i]);
            }
            // sum_d d * bucket[d] as a running suffix product multiplied into a total, skipping empties
            Residue running = null;
            Residue total = null;
            for (int d = buckets.length - 1; d >= 1; d--) {
                if (buckets[d] != null) running = running == null ? buckets[d] : mod.mul(running, buckets[d]);
                if (running != null) total = total == null ? running : mod.mul(total, running);
            }
            if (total != null) acc = acc == null ? total : mod.mul(acc, total);
        }
        return acc == null ? BigInteger.ONE : mod.join(acc);
    }

    /**
     * The digit width minimising the estimated multiplications, or 0 when separate
     * exponentiations are estimated cheaper. Costs are counted in products mod n^2; one
     * BigInteger.modPow with a b-bit exponent measures at about 0.7 b + 8 of them.
     */
    static int bestWindow(int terms, int bits) {
        double naive = terms * (0.7 * bits + 8.0);
        int best = 0;
        double bestCost = naive;
        for (int c = 1; c <= 16; c++) {
            int windows = (bits + c - 1) / c;
            double cost = 0.3 * terms + windows * ((double) terms + 2.0 * (1 << c)) + (double) (windows - 1) * c;
            if (cost < bestCost) {
                bestCost = cost;
                best = c;
            }
        }
        return best;
    }

    private static BigInteger naive(BigInteger[] bases, long[][] exponents, int count, ModNSquared mod) {
        BigInteger acc = null;
        for (int i = 0; i < count; i++) {
            if (bitLength(exponents[i]) == 0) continue;
            BigInteger t = bases[i].modPow(toBigInteger(exponents[i]), mod.nSquared());
            acc = acc == null ? t : mod.mul(acc, t);
        }
        return acc == null ? BigInteger.ONE : acc;
    }

    /** Bits [pos, pos + width) of a little-endian word array, width at most 31. */
    static int digit(long[] e, int pos, int width) {
        int word = pos >>> 6;
        if (word >= e.length) return 0;
        int shift = pos & 63;
        long v = e[word] >>> shift;
        if (shift + width > 64 && word + 1 < e.length) v |= e[word + 1] << (64 - shift);
        return (int) (v & ((1L << width) - 1));
    }

    static int bitLength(long[] e) {
        for (int i = e.length - 1; i >= 0; i--) {
            if (e[i] != 0) return i * 64 + 64 - Long.numberOfLeadingZeros(e[i]);
        }
        return 0;
    }

    /** Magnitude of a non-negative BigInteger as little-endian 64-bit words. */
    static long[] words(BigInteger v) {
        long[] out = new long[(v.bitLength() + 63) / 64];
        for (int i = 0; i < out.length; i++) out[i] = v.shiftRight(64 * i).longValue();
        return out;
    }

    static BigInteger toBigInteger(long[] e) {
        byte[] bytes = new byte[e.length * 8];
        for (int i = 0; i < e.length; i++) {
            for (int b = 0; b < 8; b++) bytes[bytes.length - 1 - (8 * i + b)] = (byte) (e[i] >>> (8 * b));
        }
        return new BigInteger(1, bytes);
    }
}
