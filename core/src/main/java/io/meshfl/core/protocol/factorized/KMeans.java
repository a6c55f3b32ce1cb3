package io.meshfl.core.protocol.factorized;

import java.util.Arrays;
import java.util.Random;

/**
 * Gaussian (squared Euclidean) k-means over any {@link DesignMatrix}. Distances need only
 * {@code T c} per centroid, because a row's own squared norm does not change which centroid is
 * nearest, and centroid sums are {@code T^T z} for each cluster's indicator {@code z}; so on a
 * {@link NormalizedMatrix} every pass is factorized.
 */
public final class KMeans {

    /**
     * @param centroids  {@code k x d}, row-major
     * @param assignment each row's cluster
     * @param iterations assignment passes run (fewer than asked when the assignment stopped changing)
     */
    public record Result(int k, double[] centroids, int[] assignment, int iterations) {
    }

    private KMeans() {
    }

    /** Lloyd's algorithm from {@code k} distinct rows drawn with {@code seed}, for at most {@code iterations} passes. */
    public static Result fit(DesignMatrix x, int k, int iterations, long seed) {
        int n = x.rows();
        int d = x.cols();
        if (k < 1 || k > n) throw new IllegalArgumentException("k must be in 1.." + n + " (the number of rows), got " + k);
        if (iterations < 1) throw new IllegalArgumentException("iterations must be positive: " + iterations);
        double[] c = new double[k * d];
        int[] picked = new Random(seed).ints(0, n).distinct().limit(k).toArray();
        for (int j = 0; j < k; j++) System.arraycopy(row(x, picked[j]), 0, c, j * d, d);

        int[] assign = new int[n];
        Arrays.fill(assign, -1);
        int it = 0;
        while (it < iterations) {
            it++;
            int[] next = assign(x, c, k);
            boolean changed = !Arrays.equals(next, assign);
            assign = next;
            if (!changed) break;
            c = centroids(x, assign, c, k);
        }
        return new Result(k, c, assign, it);
    }

    /** Each row's nearest centroid by {@code ||c||^2 - 2 T_i c}; ties go to the lower index. */
    static int[] assign(DesignMatrix x, double[] c, int k) {
        int n = x.rows();
        int d = x.cols();
        double[] best = new double[n];
        int[] out = new int[n];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        for (int j = 0; j < k; j++) {
            double[] cj = Arrays.copyOfRange(c, j * d, (j + 1) * d);
            double norm = 0;
            for (double v : cj) norm += v * v;
            double[] s = x.times(cj);
            for (int i = 0; i < n; i++) {
                double dist = norm - 2 * s[i];
                if (dist < best[i]) {
                    best[i] = dist;
                    out[i] = j;
                }
            }
        }
        return out;
    }

    /** Cluster means as {@code T^T z / |z|}; an empty cluster keeps its previous centroid. */
    static double[] centroids(DesignMatrix x, int[] assign, double[] previous, int k) {
        int d = x.cols();
        double[] c = previous.clone();
        for (int j = 0; j < k; j++) {
            double[] z = new double[assign.length];
            int count = 0;
            for (int i = 0; i < assign.length; i++) {
                if (assign[i] == j) {
                    z[i] = 1;
                    count++;
                }
            }
            if (count == 0) continue;
            double[] sum = x.transposeTimes(z);
            for (int l = 0; l < d; l++) c[j * d + l] = sum[l] / count;
        }
        return c;
    }

    /** Row {@code i} of the table as {@code T^T e_i}, so a factorized table need not be built. */
    static double[] row(DesignMatrix x, int i) {
        double[] e = new double[x.rows()];
        e[i] = 1;
        return x.transposeTimes(e);
    }
}
