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
     * per coordinate. {@code beta < 0} means the median.
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
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) col[j] = results.get(j).params()[i];
            Arrays.sort(col);
            if (cut < 0) {
                out[i] = (k % 2 == 1) ? col[k / 2] : 0.5 * (col[k / 2 - 1] + col[k / 2]);
            } else {
                double s = 0;
                for (int j = cut; j < k - cut; j++) s += col[j];
                out[i] = s / (k - 2 * cut);
            }
        }
        return out;
    }
}
