package io.meshfl.core.crypto.paillier;

import static io.meshfl.core.ErrorCode.CRYPTO_FAILURE;

import io.meshfl.core.MeshflException;
import java.math.BigInteger;
import java.util.stream.IntStream;

/**
 * Sums of plaintext multiples over one fixed array of ciphertexts, for many multiplier vectors:
 * Enc(sum_i k_i m_i) = prod_i c_i^(k_i) mod n^2 for each vector k (say, one per feature of a
 * vertical party, over the batch's encrypted residuals). Every vector has the same bases, so what
 * depends only on them is done once: the ciphertexts are converted to Montgomery form, and, when
 * some multiplier is negative, inverted together (one inversion and three products per
 * ciphertext); each vector is then one bucket-method multi-exponentiation (as {@link MultiExp})
 * in Montgomery limb arithmetic, a negative multiplier taking the inverse as its base. Results
 * are the same residues as {@link Homomorphic#sumProducts(BigInteger[], long[])}. Thread-safe.
 */
public final class CipherProducts {

    private final Montgomery mont;
    private final BigInteger nSquared;
    private final int limbs;
    private final int size;
    /** Ciphertext i in Montgomery form at [i * limbs, (i + 1) * limbs). */
    private final int[] cts;
    private volatile int[] inverses;

    /** Products over {@code ciphertexts} (all under {@code pk}); they are converted here. */
    public CipherProducts(PaillierPublicKey pk, BigInteger[] ciphertexts) {
        for (BigInteger c : ciphertexts) Homomorphic.checkCiphertext(c, pk);
        this.nSquared = pk.nSquared();
        this.mont = new Montgomery(nSquared);
        this.limbs = mont.limbs();
        this.size = ciphertexts.length;
        this.cts = mont.toMontgomeryAll(ciphertexts);
    }

    public int size() {
        return size;
    }

    /** For every vector {@code ks[j]} (one multiplier per ciphertext): Enc(sum_i ks[j][i] m_i), the vectors in parallel. */
    public BigInteger[] sumProducts(long[][] ks) {
        for (long[] k : ks) checkLength(k);
        BigInteger[] out = new BigInteger[ks.length];
        IntStream.range(0, ks.length).parallel().forEach(j -> out[j] = product(ks[j]));
        return out;
    }

    /** Enc(sum_i ks[i] m_i). */
    public BigInteger sumProducts(long[] ks) {
        checkLength(ks);
        return product(ks);
    }

    private void checkLength(long[] ks) {
        if (ks.length != size) throw new MeshflException(CRYPTO_FAILURE, "sumProducts: " + size + " ciphertexts but " + ks.length + " multipliers");
    }

    private BigInteger product(long[] ks) {
        int bits = 0;
        boolean negative = false;
        for (long k : ks) {
            // -Long.MIN_VALUE overflows back to itself, which read as unsigned is the right magnitude 2^63
            bits = Math.max(bits, 64 - Long.numberOfLeadingZeros(Math.abs(k)));
            negative |= k < 0;
        }
        if (bits == 0) return BigInteger.ONE;
        int[] inv = negative ? inverses() : null;
        int s = limbs;
        int c = window(size, bits);
        int windows = (bits + c - 1) / c;
        long[] scratch = new long[s + 1];
        int[] operand = new int[s];
        long[] acc = null;
        long[][] buckets = new long[1 << c][];
        for (int w = windows - 1; w >= 0; w--) {
            if (acc != null) {
                for (int t = 0; t < c; t++) times(acc, acc, operand, scratch);
            }
            java.util.Arrays.fill(buckets, null);
            int shift = w * c;
            long digitMask = (1L << c) - 1;
            for (int i = 0; i < size; i++) {
                long k = ks[i];
                if (k == 0) continue;
                int d = (int) ((Math.abs(k) >>> shift) & digitMask);
                if (d == 0) continue;
                buckets[d] = mont.multiplyInto(buckets[d], k < 0 ? inv : cts, i * s, scratch);
            }
            // sum_d d * bucket[d] as a running suffix product multiplied into a total, skipping empties
            long[] running = null;
            long[] total = null;
            for (int d = buckets.length - 1; d >= 1; d--) {
                if (buckets[d] != null) {
                    if (running == null) running = buckets[d];
                    else times(running, buckets[d], operand, scratch);
                }
                if (running != null) {
                    if (total == null) total = running.clone();
                    else times(total, running, operand, scratch);
                }
            }
            if (total != null) {
                if (acc == null) acc = total;
                else times(acc, total, operand, scratch);
            }
        }
        return acc == null ? BigInteger.ONE : mont.fromMontgomery(acc, scratch);
    }

    /** a = a * b (Montgomery), through an int copy of b, which may be a itself. */
    private void times(long[] a, long[] b, int[] operand, long[] scratch) {
        for (int j = 0; j < limbs; j++) operand[j] = (int) b[j];
        mont.mul(a, operand, 0, scratch);
    }

    /** The bases' inverses in Montgomery form, by Montgomery's trick: one inversion and three products per base. */
    private int[] inverses() {
        int[] inv = inverses;
        if (inv != null) return inv;
        synchronized (this) {
            if (inverses != null) return inverses;
            int s = limbs;
            long[] scratch = new long[s + 1];
            int[] prefix = new int[cts.length];
            long[] run = new long[s];
            for (int j = 0; j < s; j++) run[j] = cts[j];
            for (int i = 0; i < size; i++) {
                if (i > 0) mont.mul(run, cts, i * s, scratch);
                for (int j = 0; j < s; j++) prefix[i * s + j] = (int) run[j];
            }
            BigInteger all = mont.fromMontgomery(run, scratch);
            BigInteger allInverse;
            try {
                allInverse = all.modInverse(nSquared);
            } catch (ArithmeticException e) {
                throw new MeshflException(CRYPTO_FAILURE, "ciphertext is not a unit mod n^2: tampered or foreign ciphertext");
            }
            int[] tail = new int[s];
            mont.toMontgomery(allInverse, tail, 0);
            long[] suffix = new long[s]; // the inverse of c_0 ... c_i, walking i down
            for (int j = 0; j < s; j++) suffix[j] = tail[j];
            inv = new int[cts.length];
            long[] t = new long[s];
            for (int i = size - 1; i >= 0; i--) {
                if (i > 0) {
                    System.arraycopy(suffix, 0, t, 0, s);
                    mont.mul(t, prefix, (i - 1) * s, scratch); // (c_0..c_i)^-1 * c_0..c_(i-1) = c_i^-1
                    for (int j = 0; j < s; j++) inv[i * s + j] = (int) t[j];
                    mont.mul(suffix, cts, i * s, scratch);
                } else {
                    for (int j = 0; j < s; j++) inv[j] = (int) suffix[j];
                }
            }
            inverses = inv;
            return inv;
        }
    }

    /** The digit width minimising the estimated Montgomery products: windows x (terms + 2 x buckets) + squarings. */
    static int window(int terms, int bits) {
        int best = 1;
        double bestCost = Double.MAX_VALUE;
        for (int c = 1; c <= 16; c++) {
            int windows = (bits + c - 1) / c;
            double cost = windows * ((double) terms + 2.0 * (1 << c)) + (double) (windows - 1) * c;
            if (cost < bestCost) {
                bestCost = cost;
                best = c;
            }
        }
        return best;
    }
}
