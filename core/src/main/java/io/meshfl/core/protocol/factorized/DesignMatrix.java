package io.meshfl.core.protocol.factorized;

/**
 * A training table seen only through the products a trainer needs, so the same training code runs
 * on a table kept as its normalized sources ({@link NormalizedMatrix}) or on the built table
 * ({@link DenseMatrix}).
 */
public interface DesignMatrix {

    /** Number of rows (training examples). */
    int rows();

    /** Number of columns (features). */
    int cols();

    /** {@code T w}, of length {@link #rows()}. */
    double[] times(double[] w);

    /** {@code T^T r}, of length {@link #cols()}. */
    double[] transposeTimes(double[] r);

    /** Per-column sums and sums of squares over all rows. */
    ColumnStats columnStats();

    /** {@code T^T T}, row-major {@code cols x cols}. */
    double[] gram();
}
