package io.meshfl.core.crypto.paillier;

import java.math.BigInteger;
import java.util.stream.IntStream;

/**
 * Bucketed homomorphic sums over one fixed array of ciphertexts: for each of several keys (say,
 * features) and each bucket (say, histogram bins), the Paillier sum of the ciphertexts whose rows
 * fall in that bucket. This is the inner loop of encrypted histograms, where one array of
 * encrypted gradients is summed into the bins of every feature, so it is kept behind one type
 * that can prepare the ciphertexts once and run the keys in parallel.
 */
public final class CipherSums {

    private final PaillierPublicKey pk;
    private final BigInteger[] cts;

    /** Sums over {@code ciphertexts} (all under {@code pk}); the array is not copied and must not change. */
    public CipherSums(PaillierPublicKey pk, BigInteger[] ciphertexts) {
        this.pk = pk;
        this.cts = ciphertexts;
    }

    public int size() {
        return cts.length;
    }

    /**
     * For every key {@code k}: the sums of the ciphertexts of {@code rows} by bucket, where row
     * {@code rows[i]} falls in bucket {@code bucketOf[k][rows[i]]} (in {@code [0, buckets)}).
     * Result {@code [k][b]}; an empty bucket holds the encryption of 0 with randomness 1 (the value 1).
     */
    public BigInteger[][] sums(int[] rows, byte[][] bucketOf, int buckets) {
        BigInteger[][] out = new BigInteger[bucketOf.length][];
        IntStream.range(0, bucketOf.length).parallel().forEach(k -> out[k] = sumOne(rows, bucketOf[k], buckets));
        return out;
    }

    private BigInteger[] sumOne(int[] rows, byte[] bucket, int buckets) {
        BigInteger nsq = pk.nSquared();
        BigInteger[] acc = new BigInteger[buckets];
        for (int r : rows) {
            int b = bucket[r] & 0xFF;
            acc[b] = acc[b] == null ? cts[r] : acc[b].multiply(cts[r]).mod(nsq);
        }
        for (int b = 0; b < buckets; b++) if (acc[b] == null) acc[b] = BigInteger.ONE;
        return acc;
    }
}
