package io.meshfl.core.protocol.horizontal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The median and trimmed mean by selection give what sorting each coordinate's values gives: the
 * median exactly, the trimmed mean within 1e-12 (the same middle values summed in another order),
 * for odd and even counts, ties and repeated values, and every trimming fraction.
 */
class OrderStatisticsTest {

    private static double sortedTrimmed(double[] col, double beta) {
        double[] c = col.clone();
        Arrays.sort(c);
        int k = c.length;
        if (beta < 0) return k % 2 == 1 ? c[k / 2] : 0.5 * (c[k / 2 - 1] + c[k / 2]);
        int cut = (int) Math.floor(beta * k);
        double s = 0;
        for (int j = cut; j < k - cut; j++) s += c[j];
        return s / (k - 2 * cut);
    }

    @Test
    void selectionGivesWhatSortingGivesForEveryCountTieAndTrimming() {
        Random r = new Random(11);
        for (int k = 1; k <= 41; k++) {
            int n = 60;
            List<FitResult> results = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                double[] p = new double[n];
                for (int i = 0; i < n; i++) {
                    // a third of the coordinates draw from few values: ties, and runs of one value
                    p[i] = i % 3 == 0 ? r.nextInt(3) : i % 3 == 1 ? r.nextGaussian() * 1e3 : Math.round(r.nextGaussian() * 4) / 4.0;
                }
                results.add(new FitResult("n" + j, p, 1, Map.of()));
            }
            for (double beta : new double[]{-1, 0, 0.1, 0.2, 0.3, 0.45}) {
                if (beta >= 0 && 2 * (int) Math.floor(beta * k) >= k) continue;
                double[] got = Aggregation.trimmedMean(results, beta);
                for (int i = 0; i < n; i++) {
                    double[] col = new double[k];
                    for (int j = 0; j < k; j++) col[j] = results.get(j).params()[i];
                    double want = sortedTrimmed(col, beta);
                    if (beta < 0) assertEquals(want, got[i], 0.0, "median of " + k + " at " + i);
                    else assertEquals(want, got[i], 1e-12 * Math.max(1, Math.abs(want)), "beta " + beta + " of " + k + " at " + i);
                }
            }
            assertEquals(Aggregation.trimmedMean(results, -1)[5], Aggregation.median(results)[5], 0.0);
        }
    }
}
