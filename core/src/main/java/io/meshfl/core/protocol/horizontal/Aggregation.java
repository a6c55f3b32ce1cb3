package io.meshfl.core.protocol.horizontal;

import java.util.Arrays;
import java.util.List;

/** Pure aggregation functions over parameter vectors. */
public final class Aggregation {

    private Aggregation() {
    }

    /** Average weighted by each result's example count (FedAvg). */
    public static double[] weightedMean(List<FitResult> results) {
        int n = results.get(0).params().length;
        double[] out = new double[n];
        double total = 0;
        for (FitResult r : results) total += r.numExamples();
        for (FitResult r : results) {
            double w = total > 0 ? r.numExamples() / total : 1.0 / results.size();
            double[] p = r.params();
            for (int i = 0; i < n; i++) out[i] += w * p[i];
        }
        return out;
    }

    /** Coordinate-wise median (FedMedian). */
    public static double[] median(List<FitResult> results) {
        return trimmedMean(results, -1);
    }

    /**
     * Coordinate-wise mean after dropping the {@code beta} fraction of lowest and highest values
     * per coordinate. {@code beta < 0} means the median. Each coordinate's order statistics are
     * found by selection (expected linear time) rather than a full sort: the median is exactly the
     * sorted one's; the trimmed mean sums the same middle values in another order (the updates are
     * finite: the runner refuses any other before aggregating).
     */
    public static double[] trimmedMean(List<FitResult> results, double beta) {
        int k = results.size();
        int n = results.get(0).params().length;
        double[] out = new double[n];
        double[] col = new double[k];
        int cut = beta < 0 ? -1 : (int) Math.floor(beta * k);
        if (cut >= 0 && 2 * cut >= k) {
            throw new IllegalArgumentException("trimmed mean with beta=" + beta + " drops all " + k + " results");
        }
        double[][] params = new double[k][];
        for (int j = 0; j < k; j++) params[j] = results.get(j).params();
        int m = k / 2;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) col[j] = params[j][i];
            if (cut < 0) {
                select(col, 0, k - 1, m);
                if (k % 2 == 1) {
                    out[i] = col[m];
                } else {
                    // the largest of the lower half, which selection left below the m-th
                    double lower = col[0];
                    for (int j = 1; j < m; j++) lower = Math.max(lower, col[j]);
                    out[i] = 0.5 * (lower + col[m]);
                }
            } else {
                if (cut > 0) {
                    select(col, 0, k - 1, cut);
                    select(col, cut, k - 1, k - cut - 1);
                }
                double s = 0;
                for (int j = cut; j < k - cut; j++) s += col[j];
                out[i] = s / (k - 2 * cut);
            }
        }
        return out;
    }

    /**
     * Hoare selection in {@code a[lo..hi]}: afterwards {@code a[m]} is the value a sort would put
     * there, nothing in {@code a[lo..m-1]} is larger and nothing in {@code a[m+1..hi]} smaller.
     */
    static void select(double[] a, int lo, int hi, int m) {
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < a[lo]) swap(a, lo, mid);
            if (a[hi] < a[lo]) swap(a, lo, hi);
            if (a[hi] < a[mid]) swap(a, mid, hi);
            double pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    swap(a, i, j);
                    i++;
                    j--;
                }
            }
            if (m <= j) {
                hi = j;
            } else if (m >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /** Coordinates per block of {@link #pairwiseSquaredDistances}: 100 updates x 1024 doubles (800 KB) stay in cache while every pair uses them. */
    static final int DISTANCE_BLOCK = 1024;

    /**
     * Squared L2 distance between every pair of vectors, computed once: the O(k^2 d) part of Krum.
     * Coordinates go in blocks so each vector's slice is read from memory once per block, not once
     * per pair; four running sums let the CPU overlap the additions of one pair.
     */
    public static double[][] pairwiseSquaredDistances(List<double[]> vectors) {
        int k = vectors.size();
        int n = vectors.get(0).length;
        double[][] d = new double[k][k];
        for (int b = 0; b < n; b += DISTANCE_BLOCK) {
            int e = Math.min(n, b + DISTANCE_BLOCK);
            for (int i = 0; i < k; i++) {
                double[] x = vectors.get(i);
                for (int j = i + 1; j < k; j++) {
                    double[] y = vectors.get(j);
                    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                    int c = b;
                    for (; c + 3 < e; c += 4) {
                        double t0 = x[c] - y[c], t1 = x[c + 1] - y[c + 1], t2 = x[c + 2] - y[c + 2], t3 = x[c + 3] - y[c + 3];
                        s0 += t0 * t0;
                        s1 += t1 * t1;
                        s2 += t2 * t2;
                        s3 += t3 * t3;
                    }
                    for (; c < e; c++) {
                        double t = x[c] - y[c];
                        s0 += t * t;
                    }
                    d[i][j] += (s0 + s1) + (s2 + s3);
                }
            }
        }
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) d[j][i] = d[i][j];
        }
        return d;
    }

    /**
     * Krum's score of each of k updates (Blanchard et al. 2017): the sum of its squared distances
     * to its k - f - 2 nearest other updates. An honest update sits in a cluster of honest ones and
     * scores low; an outlier is far from everyone it is summed over.
     */
    public static double[] krumScores(double[][] dist, int f) {
        int k = dist.length;
        requireKrum(k, f);
        int nearest = k - f - 2;
        double[] scores = new double[k];
        double[] row = new double[k - 1];
        for (int i = 0; i < k; i++) {
            int r = 0;
            for (int j = 0; j < k; j++) if (j != i) row[r++] = dist[i][j];
            Arrays.sort(row);
            double s = 0;
            for (int j = 0; j < nearest; j++) s += row[j];
            scores[i] = s;
        }
        return scores;
    }

    /** Indexes of the {@code m} updates with the lowest Krum scores, best first; ties go to the earlier update. */
    public static int[] krumSelect(List<FitResult> results, int f, int m) {
        int k = results.size();
        requireKrum(k, f);
        if (m < 1 || m > k - f) {
            throw new IllegalArgumentException("aggregator.selected: Multi-Krum averages 1 to k - f = " + (k - f) + " updates, got " + m);
        }
        List<double[]> params = results.stream().map(FitResult::params).toList();
        double[] scores = krumScores(pairwiseSquaredDistances(params), f);
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]) != 0 ? Double.compare(scores[a], scores[b]) : Integer.compare(a, b));
        int[] out = new int[m];
        for (int i = 0; i < m; i++) out[i] = order[i];
        return out;
    }

    /** Krum: the single update with the lowest score, tolerating up to {@code f} Byzantine updates among k > 2f + 2. */
    public static double[] krum(List<FitResult> results, int f) {
        return results.get(krumSelect(results, f, 1)[0]).params().clone();
    }

    /**
     * Multi-Krum: the plain mean of the {@code m} lowest-scoring updates. Not weighted by example
     * counts, because a node reports its own count and a Byzantine one could inflate it.
     */
    public static double[] multiKrum(List<FitResult> results, int f, int m) {
        int[] chosen = krumSelect(results, f, m);
        int n = results.get(0).params().length;
        double[] out = new double[n];
        for (int idx : chosen) {
            double[] p = results.get(idx).params();
            for (int i = 0; i < n; i++) out[i] += p[i];
        }
        for (int i = 0; i < n; i++) out[i] /= m;
        return out;
    }

    /**
     * Norm bounding (Sun et al. 2019): {@code params} whose change from {@code global} is longer
     * than {@code bound} in L2 norm, moved back along that change to length {@code bound}; shorter
     * changes are returned as they are (the same array).
     */
    public static double[] clipDelta(double[] params, double[] global, double bound) {
        double sq = 0;
        for (int i = 0; i < params.length; i++) {
            double t = params[i] - global[i];
            sq += t * t;
        }
        double norm = Math.sqrt(sq);
        if (norm <= bound) return params;
        double scale = bound / norm;
        double[] out = new double[params.length];
        for (int i = 0; i < params.length; i++) out[i] = global[i] + scale * (params[i] - global[i]);
        return out;
    }

    private static void requireKrum(int k, int f) {
        if (f < 0) throw new IllegalArgumentException("aggregator.byzantine must be >= 0, got " + f);
        if (k <= 2 * f + 2) {
            throw new IllegalArgumentException("aggregator.byzantine: Krum with f = " + f + " needs more than 2f + 2 = "
                    + (2 * f + 2) + " updates, got " + k);
        }
    }
}
