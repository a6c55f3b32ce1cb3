package io.meshfl.core.crypto.paillier;

import java.math.BigInteger;
import java.util.stream.IntStream;

/**
 * Bucketed homomorphic sums over one fixed array of ciphertexts: for each of several keys (say,
 * features) and each bucket (say, histogram bins), the Paillier sum of the ciphertexts whose rows
 * fall in that bucket. This is the inner loop of encrypted histograms, where one array of
 * encrypted gradients is summed into the bins of every feature, so it is kept behind one type
 * that can prepare the ciphertexts once and run the keys in parallel.
 *
 * <p>The ciphertexts are converted once into Montgomery form modulo n^2 and stored flat; each
 * bucket then costs one Montgomery product per row and one conversion back at the end, several
 * times cheaper than BigInteger multiply and mod. Thread-safe.
 */
public final class CipherSums {

    private final Montgomery mont;
    private final int limbs;
    private final int size;
    /** Ciphertext r in Montgomery form at [r * limbs, (r + 1) * limbs): no per-row objects to chase in the hot loop. */
    private final int[] cts;

    /**
     * Sums over {@code ciphertexts} (all under {@code pk}). They are converted here, so later changes
     * to the array are not seen.
     */
    public CipherSums(PaillierPublicKey pk, BigInteger[] ciphertexts) {
        this.mont = new Montgomery(pk.nSquared());
        this.limbs = mont.limbs();
        this.size = ciphertexts.length;
        this.cts = mont.toMontgomeryAll(ciphertexts);
    }

    public int size() {
        return size;
    }

    /**
     * For every key {@code k}: the sums of the ciphertexts of {@code rows} by bucket, where row
     * {@code rows[i]} falls in bucket {@code bucketOf[k][rows[i]]} (an unsigned byte in {@code [0, buckets)}).
     * Result {@code [k][b]}; an empty bucket holds the encryption of 0 with randomness 1 (the value 1).
     */
    public BigInteger[][] sums(int[] rows, byte[][] bucketOf, int buckets) {
        for (int r : rows) {
            if (r < 0 || r >= size) throw new IndexOutOfBoundsException("row " + r + " of " + size);
        }
        BigInteger[][] out = new BigInteger[bucketOf.length][];
        IntStream.range(0, bucketOf.length).parallel().forEach(k -> out[k] = sumOne(rows, bucketOf[k], buckets));
        return out;
    }

    private BigInteger[] sumOne(int[] rows, byte[] bucket, int buckets) {
        int s = limbs;
        // one array per bucket rather than one flat array: the multiply loop vectorizes only at offset 0
        long[][] acc = new long[buckets][];
        long[] scratch = new long[s + 1];
        for (int r : rows) {
            int b = bucket[r] & 0xFF;
            acc[b] = mont.multiplyInto(acc[b], cts, r * s, scratch);
        }
        BigInteger[] out = new BigInteger[buckets];
        for (int b = 0; b < buckets; b++) out[b] = acc[b] == null ? BigInteger.ONE : mont.fromMontgomery(acc[b], scratch);
        return out;
    }
}
