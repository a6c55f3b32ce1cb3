package io.meshfl.core.model.tree;

/**
 * Logistic-loss gradients and hessians in fixed point: g = p - y and h = p(1 - p) rounded to
 * multiples of 2^-fracBits as longs. The scale is chosen from the row count so that any sum of
 * them over the rows still fits a long.
 */
public final class Gradients {

    private Gradients() {
    }

    /** Fraction bits for {@code rows} rows: |g| &lt;= 1, so a sum is below rows * 2^bits, kept under 2^62. */
    public static int fracBits(int rows) {
        int rowBits = 64 - Long.numberOfLeadingZeros(Math.max(1, rows));
        return Math.min(52, 62 - rowBits);
    }

    public static double sigmoid(double s) {
        return 1 / (1 + Math.exp(-s));
    }

    /** Log-odds of the label mean, clamped away from 0 and 1. */
    public static double baseScore(double[] y) {
        double m = 0;
        for (double v : y) m += v;
        m = Math.min(1 - 1e-6, Math.max(1e-6, m / Math.max(1, y.length)));
        return Math.log(m / (1 - m));
    }

    /** Fills {@code gq}, {@code hq} from scores (log-odds) and 0/1 labels. */
    public static void logistic(double[] score, double[] y, int fracBits, long[] gq, long[] hq) {
        double scale = Math.scalb(1.0, fracBits);
        for (int i = 0; i < score.length; i++) {
            double p = sigmoid(score[i]);
            gq[i] = Math.round((p - y[i]) * scale);
            hq[i] = Math.round(p * (1 - p) * scale);
        }
    }

    /**
     * Fraction bits for {@code rows} rows whose |g| and h are at most {@code bound}: any sum stays
     * under 2^62 (the same as {@link #fracBits(int)} for a bound of 1, as logistic gradients have).
     */
    public static int fracBits(int rows, double bound) {
        int extra = bound <= 1 ? 0 : Math.getExponent(bound) + 1;
        return fracBits(rows) - extra;
    }

    /**
     * Rounds gradients and hessians to multiples of 2^-bits, with the bits chosen from their
     * largest magnitude ({@link #fracBits(int, double)}); returns the bits.
     */
    public static int quantize(double[] g, double[] h, long[] gq, long[] hq) {
        double bound = 0;
        for (int i = 0; i < g.length; i++) bound = Math.max(bound, Math.max(Math.abs(g[i]), Math.abs(h[i])));
        int bits = fracBits(g.length, bound);
        double scale = Math.scalb(1.0, bits);
        for (int i = 0; i < g.length; i++) {
            gq[i] = Math.round(g[i] * scale);
            hq[i] = Math.round(h[i] * scale);
        }
        return bits;
    }

    public static double toDouble(long q, int fracBits) {
        return Math.scalb((double) q, -fracBits);
    }
}
