package io.meshfl.core.data;

import io.meshfl.core.contract.DataContract;
import io.meshfl.core.crypto.paillier.PaillierPublicKey;

import java.math.BigInteger;
import java.util.List;

/**
 * A party's aligned rows of one product (its feature columns in a fixed order, the label when it
 * holds one), wherever they are kept: in the node's JVM ({@link #of}) or on an engine's executors,
 * which then run the per-row arithmetic a protocol asks of them (sums, scores, ciphertext products)
 * and hand the node only results of the size the protocol sends on. Results are the same wherever
 * the rows are: the same doubles (column sums are exact, see {@link ExactSum}) and the same ciphertexts.
 */
public interface AlignedRows extends AutoCloseable {

    List<String> features();

    int rows();

    /** The labels in row order, kept by the node itself (8 bytes a row), or null when no label was read. */
    double[] y();

    /** Count, sum and sum of squares of every column over the first {@code first} rows. */
    ColumnStats stats(int first);

    /** Column {@code j}'s values over the first {@code first} rows, in the node (one column at a time, for its drift profile). */
    double[] column(int j, int first);

    /** These rows scaled by {@code z}; the rows this was are left as they are (close them when done). */
    AlignedRows scaled(Standardizer z);

    /**
     * For each of {@code rows} (every row in order when null) and each output c:
     * {@code bias[c] + sum_j x_j * w[c * d + j]} (no bias when null), {@code outputs} values per row, added in column order.
     */
    double[] scores(int[] rows, double[] w, double[] bias, int outputs);

    /**
     * Per column j, then a column of ones when {@code ones}: {@code prod_i c[i]^e(x[rows[i]][j]) mod n^2}, e the fixed-point
     * encoding with {@code fracBits} fraction bits: the encrypted sum of each column weighted by the ciphertexts' plaintexts.
     */
    BigInteger[] cipherSums(int[] rows, BigInteger[] c, PaillierPublicKey pk, int fracBits, boolean ones);

    /** These rows followed by {@code more} (the same columns), as one set of rows; both stay as they are. */
    AlignedRows concat(AlignedRows more);

    /**
     * These rows as bin numbers: column j's bin of a value is the first b with value &lt;= {@code thresholds[j][b]}, or
     * {@code thresholds[j].length} (at most 255 cut points a column).
     */
    BinnedRows binned(double[][] thresholds);

    /** Releases what the rows hold outside the node's heap (an engine's cached blocks); the node's own rows need nothing. */
    @Override
    void close();

    /** Rows held in the node's JVM. */
    static AlignedRows of(Dataset rows) {
        return new LocalRows(rows);
    }

    /** Where an engine keeps the rows a node reads for training, once the node's policy checks have passed. */
    @FunctionalInterface
    interface Source {
        /**
         * Rows {@code rows} of product {@code c} (in that order) with {@code features} and {@code label} (null: none), or
         * null when this source does not read {@code c}, which the node then reads itself.
         */
        AlignedRows read(DataContract c, List<String> features, String label, int[] rows);
    }
}
