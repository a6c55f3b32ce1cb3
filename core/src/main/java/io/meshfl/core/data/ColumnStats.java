package io.meshfl.core.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Per-column count, sum and sum of squares of one node's features. Nodes send these, never
 * rows; the coordinator merges them into global means and standard deviations for scaling.
 */
public record ColumnStats(List<String> features, long[] count, double[] sum, double[] sumSq) {

    public ColumnStats {
        features = List.copyOf(Objects.requireNonNull(features, "features"));
        int d = features.size();
        if (count.length != d || sum.length != d || sumSq.length != d) {
            throw new IllegalArgumentException("stats arrays must have one entry per feature (" + d + ")");
        }
    }

    /** The stats of every row of {@code data}, its sums exact before one rounding (the same whatever the order of the rows). */
    public static ColumnStats of(Dataset data) {
        return of(data.features(), data.rows(), exactSums(data.x(), data.cols(), data.rows()));
    }

    /**
     * The exact sums of the first {@code rows} rows of the row-major {@code x} ({@code d} columns): each column's sum, then
     * each column's sum of squares (2d sums); sums of several parts of the rows add up with {@link ExactSum#addAll}.
     */
    public static ExactSum[] exactSums(double[] x, int d, int rows) {
        ExactSum[] s = ExactSum.of(2 * d);
        for (int i = 0; i < rows; i++) {
            int off = i * d;
            for (int j = 0; j < d; j++) {
                double v = x[off + j];
                s[j].add(v);
                s[d + j].add(v * v);
            }
        }
        return s;
    }

    /** The stats of {@code count} rows from their {@link #exactSums}, rounded here once. */
    public static ColumnStats of(List<String> features, long count, ExactSum[] sums) {
        int d = features.size();
        long[] c = new long[d];
        double[] sum = new double[d];
        double[] sumSq = new double[d];
        Arrays.fill(c, count);
        for (int j = 0; j < d; j++) {
            sum[j] = sums[j].value();
            sumSq[j] = sums[d + j].value();
        }
        return new ColumnStats(features, c, sum, sumSq);
    }

    /** The stats of both parts together; the feature lists must match. */
    public ColumnStats merge(ColumnStats other) {
        if (!features.equals(other.features)) {
            throw new IllegalArgumentException("cannot merge stats of different features: " + features + " vs " + other.features);
        }
        int d = features.size();
        long[] c = new long[d];
        double[] s = new double[d];
        double[] q = new double[d];
        for (int j = 0; j < d; j++) {
            c[j] = count[j] + other.count[j];
            s[j] = sum[j] + other.sum[j];
            q[j] = sumSq[j] + other.sumSq[j];
        }
        return new ColumnStats(features, c, s, q);
    }

    public double[] mean() {
        double[] m = new double[sum.length];
        for (int j = 0; j < m.length; j++) m[j] = count[j] == 0 ? 0.0 : sum[j] / count[j];
        return m;
    }

    /** Population standard deviation (divides by n, like scikit-learn's StandardScaler). */
    public double[] std() {
        double[] s = new double[sum.length];
        for (int j = 0; j < s.length; j++) {
            if (count[j] == 0) continue;
            double m = sum[j] / count[j];
            // Clamp: rounding can make E[x^2] - m^2 slightly negative for a constant column.
            s[j] = Math.sqrt(Math.max(0.0, sumSq[j] / count[j] - m * m));
        }
        return s;
    }
}
