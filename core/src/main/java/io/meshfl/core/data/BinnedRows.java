package io.meshfl.core.data;

import io.meshfl.core.crypto.paillier.CipherSums;
import io.meshfl.core.crypto.paillier.PaillierPublicKey;

import java.math.BigInteger;

/**
 * A party's aligned rows as the bin numbers of their columns (what a boosted tree's feature holder
 * works with), wherever they are kept: in the node's JVM ({@link #of}) or on an engine's executors.
 * The encrypted per-bin sums are the same ciphertexts wherever the rows are.
 */
public interface BinnedRows extends AutoCloseable {

    int rows();

    /** For each of {@code rows}: whether column {@code column}'s bin is at most {@code bin}. */
    boolean[] atMost(int column, int bin, int[] rows);

    /** Sums over {@code ciphertexts}, one per row in row order (a tree's encrypted gradients); close them when the tree is done. */
    Sums sums(PaillierPublicKey pk, BigInteger[] ciphertexts);

    /** Releases what the rows hold outside the node's heap. */
    @Override
    void close();

    /** The encrypted per-bin sums of one tree's ciphertexts. */
    interface Sums extends AutoCloseable {
        /**
         * For each row set s and each of {@code columns} (index j): the product mod n^2 of the ciphertexts of the rows of
         * {@code rows[s]} by their bin in that column, {@code [s][j][bin]}; an empty bin holds 1 (an encryption of 0).
         */
        BigInteger[][][] of(int[][] rows, int[] columns, int bins);

        @Override
        void close();
    }

    /** Bin numbers held in the node's JVM, {@code [column][row]} as unsigned bytes. */
    static BinnedRows of(byte[][] bins, int rows) {
        return new BinnedRows() {
            @Override
            public int rows() {
                return rows;
            }

            @Override
            public boolean[] atMost(int column, int bin, int[] asked) {
                boolean[] out = new boolean[asked.length];
                for (int i = 0; i < asked.length; i++) out[i] = (bins[column][asked[i]] & 0xFF) <= bin;
                return out;
            }

            @Override
            public Sums sums(PaillierPublicKey pk, BigInteger[] ciphertexts) {
                CipherSums sums = new CipherSums(pk, ciphertexts);
                return new Sums() {
                    @Override
                    public BigInteger[][][] of(int[][] sets, int[] columns, int count) {
                        byte[][] by = new byte[columns.length][];
                        for (int j = 0; j < columns.length; j++) by[j] = bins[columns[j]];
                        BigInteger[][][] out = new BigInteger[sets.length][][];
                        for (int s = 0; s < sets.length; s++) out[s] = sums.sums(sets[s], by, count);
                        return out;
                    }

                    @Override
                    public void close() {
                        // the node's own memory
                    }
                };
            }

            @Override
            public void close() {
                // the node's own memory
            }
        };
    }
}
