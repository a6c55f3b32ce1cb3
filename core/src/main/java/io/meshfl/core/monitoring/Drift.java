package io.meshfl.core.monitoring;

import java.util.Arrays;

/**
 * The population stability index (PSI) of a column against a reference profile: the reference's
 * decile edges and the share of its values in each bin. Pure functions of arrays, so that a node
 * computes them over its own rows and only the index leaves it.
 */
public final class Drift {

    /** Bins of a profile: deciles. */
    public static final int BINS = 10;
    /** The smallest share a bin counts with, so that an empty bin on either side keeps the index finite. */
    public static final double FLOOR = 1e-4;
    /** The usual threshold of a significant shift. */
    public static final double SIGNIFICANT = 0.2;

    private Drift() {
    }

    /**
     * A reference distribution: {@code edges} the upper bounds of every bin but the last (a value
     * {@code <=} edge {@code i} and above edge {@code i-1} falls in bin {@code i}), {@code fractions}
     * the share of the reference's values in each of the {@code edges.length + 1} bins.
     */
    public record Profile(double[] edges, double[] fractions) {
        public Profile {
            if (fractions.length != edges.length + 1) {
                throw new IllegalArgumentException(fractions.length + " fractions for " + (edges.length + 1) + " bins");
            }
        }
    }

    /**
     * The profile of {@code column}'s values (NaN left out): its decile edges, a repeated edge kept
     * once (a column of few distinct values has fewer bins), and the share of values in each bin.
     * Refused for a column with no value.
     */
    public static Profile profile(double[] column) {
        double[] v = values(column);
        if (v.length == 0) throw new IllegalArgumentException("a profile needs at least one value");
        Arrays.sort(v);
        double[] edges = new double[BINS - 1];
        int n = 0;
        for (int k = 1; k < BINS; k++) {
            double q = v[(int) Math.min(v.length - 1, Math.ceil((double) k * v.length / BINS) - 1)];
            if (n == 0 || q > edges[n - 1]) edges[n++] = q;
        }
        // the top edge at the maximum would leave the last bin empty in the reference itself
        if (n > 0 && edges[n - 1] >= v[v.length - 1]) n--;
        edges = Arrays.copyOf(edges, n);
        return new Profile(edges, fractions(edges, v));
    }

    /** The PSI of {@code column}'s values (NaN left out) against {@code reference}; NaN when the column has no value. */
    public static double psi(Profile reference, double[] column) {
        double[] v = values(column);
        if (v.length == 0) return Double.NaN;
        return psi(reference.fractions(), fractions(reference.edges(), v));
    }

    /** {@code sum (actual - expected) * ln(actual / expected)} over the bins, each share floored at {@link #FLOOR}. */
    public static double psi(double[] expected, double[] actual) {
        if (expected.length != actual.length) throw new IllegalArgumentException(actual.length + " bins against " + expected.length);
        double s = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.max(FLOOR, expected[i]);
            double a = Math.max(FLOOR, actual[i]);
            s += (a - e) * Math.log(a / e);
        }
        return s;
    }

    /** The share of {@code values} in each bin of {@code edges}. */
    static double[] fractions(double[] edges, double[] values) {
        double[] f = new double[edges.length + 1];
        for (double x : values) {
            int i = Arrays.binarySearch(edges, x);
            // an exact edge belongs to the bin it closes (edges are distinct); otherwise the insertion point is the bin
            f[i >= 0 ? i : -i - 1]++;
        }
        for (int i = 0; i < f.length; i++) f[i] /= values.length;
        return f;
    }

    private static double[] values(double[] column) {
        return Arrays.stream(column).filter(x -> !Double.isNaN(x)).toArray();
    }
}
