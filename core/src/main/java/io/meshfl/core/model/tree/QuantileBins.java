package io.meshfl.core.model.tree;

import java.util.Arrays;

/**
 * Per-feature quantile bins over the training rows. Thresholds are raw column values, sorted and
 * distinct, so that "bin &lt;= b goes left" is the same test as "value &lt;= threshold[b]": a split
 * found on bins can be stored and applied to new rows as a plain threshold. A feature with k
 * thresholds has k + 1 bins; a constant column has none and so offers no split.
 */
public record QuantileBins(double[][] thresholds) {

    /** Bins of the {@code cols} columns of row-major {@code x} ({@code rows} rows), at most {@code bins} per column. */
    public static QuantileBins fit(double[] x, int rows, int cols, int bins) {
        double[][] t = new double[cols][];
        double[] col = new double[rows];
        for (int f = 0; f < cols; f++) {
            for (int r = 0; r < rows; r++) col[r] = x[r * cols + f];
            t[f] = thresholds(col, bins);
        }
        return new QuantileBins(t);
    }

    /** Bins of every column over the first {@code first} of {@code rows}, wherever they are kept: one column at a time. */
    public static QuantileBins fit(io.meshfl.core.data.AlignedRows rows, int first, int bins) {
        double[][] t = new double[rows.features().size()][];
        for (int f = 0; f < t.length; f++) t[f] = thresholds(rows.column(f, first), bins);
        return new QuantileBins(t);
    }

    /** Distinct cut points of one column: the values at quantiles q/bins, never the maximum (it would split nothing off). */
    static double[] thresholds(double[] column, int bins) {
        if (column.length == 0) return new double[0];
        double[] s = column.clone();
        Arrays.sort(s);
        double max = s[s.length - 1];
        double[] out = new double[bins];
        int k = 0;
        int distinct = 1;
        for (int i = 1; i < s.length && distinct <= bins; i++) if (s[i] != s[i - 1]) distinct++;
        if (distinct <= bins) {
            // Few values: every value but the largest is a cut point, so no split is lost to quantiles.
            for (int i = 0; i < s.length; i++) {
                if (s[i] != max && (k == 0 || s[i] != out[k - 1])) out[k++] = s[i];
            }
        } else {
            for (int q = 1; q < bins; q++) {
                int idx = (int) Math.max(0, ((long) q * s.length + bins - 1) / bins - 1);
                double v = s[idx];
                if (v != max && (k == 0 || v > out[k - 1])) out[k++] = v;
            }
        }
        return Arrays.copyOf(out, k);
    }

    public int features() {
        return thresholds.length;
    }

    /** Number of bins of feature {@code f}: one more than its cut points. */
    public int bins(int f) {
        return thresholds[f].length + 1;
    }

    /** Bin counts of every feature. */
    public int[] binCounts() {
        int[] b = new int[thresholds.length];
        for (int f = 0; f < b.length; f++) b[f] = bins(f);
        return b;
    }

    /** The bin of {@code v} in feature {@code f}: the first b with v &lt;= threshold[b], or the last bin. */
    public int binOf(int f, double v) {
        double[] t = thresholds[f];
        int lo = 0, hi = t.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (v <= t[mid]) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    /** Bin indices as unsigned bytes, indexed {@code [feature][row]}, for the rows of row-major {@code x}. */
    public byte[][] binIndex(double[] x, int rows) {
        int cols = thresholds.length;
        byte[][] out = new byte[cols][rows];
        java.util.stream.IntStream.range(0, cols).parallel().forEach(f -> {
            for (int r = 0; r < rows; r++) out[f][r] = (byte) binOf(f, x[r * cols + f]);
        });
        return out;
    }

    /** Number of features that have at least one cut point. */
    public int splittable() {
        int n = 0;
        for (double[] t : thresholds) if (t.length > 0) n++;
        return n;
    }
}
