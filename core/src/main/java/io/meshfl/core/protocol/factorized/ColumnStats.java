package io.meshfl.core.protocol.factorized;

/**
 * Per-column sums and sums of squares of a table, enough to standardize it without another pass.
 *
 * @param rows          number of rows summed over
 * @param sums          per-column sums
 * @param sumsOfSquares per-column sums of squares
 */
public record ColumnStats(int rows, double[] sums, double[] sumsOfSquares) {

    public ColumnStats {
        if (sums.length != sumsOfSquares.length) {
            throw new IllegalArgumentException("sums has " + sums.length + " columns, sumsOfSquares " + sumsOfSquares.length);
        }
    }

    public double[] means() {
        double[] m = new double[sums.length];
        for (int j = 0; j < m.length; j++) m[j] = sums[j] / rows;
        return m;
    }

    /** Population standard deviations. */
    public double[] standardDeviations() {
        double[] s = new double[sums.length];
        for (int j = 0; j < s.length; j++) {
            double mean = sums[j] / rows;
            // clamp: cancellation can leave a tiny negative variance for a constant column
            s[j] = Math.sqrt(Math.max(0, sumsOfSquares[j] / rows - mean * mean));
        }
        return s;
    }
}
