package io.meshfl.core.protocol;

import io.meshfl.core.data.Split;
import io.meshfl.core.metrics.Metrics;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The held-out rows of a run over aligned rows: every party derives the same seeded split of the
 * same count and puts its training rows first, so training touches positions [0, train) and
 * evaluation scores [train, n) apart, with no index ever sent.
 */
public final class Holdout {

    private Holdout() {
    }

    /** The aligned rows reordered as the seeded split of their positions puts them: training rows, then held-out rows. */
    public static int[] trainFirst(int[] aligned, double holdout, long seed) {
        Split split = Split.of(aligned.length, holdout, seed);
        int[] out = new int[aligned.length];
        int k = 0;
        for (int i : split.train()) out[k++] = aligned[i];
        for (int i : split.holdout()) out[k++] = aligned[i];
        return out;
    }

    /** How many of {@code n} aligned rows train under a held-out share {@code holdout} (as {@link Split} rounds it). */
    public static int trainRows(int n, double holdout) {
        return n - (int) Math.round(n * holdout);
    }

    /**
     * AUC and log loss of {@code prob} against {@code y}: over every row, or, when the first
     * {@code train} rows trained and the rest were held out, over the held-out rows with the
     * training rows' as {@code train_*}.
     */
    public static Map<String, Double> scores(double[] prob, double[] y, int train) {
        int n = prob.length;
        Map<String, Double> m = new LinkedHashMap<>();
        if (train >= n) {
            m.put("auc", Metrics.auc(prob, y));
            m.put("log_loss", Metrics.logLoss(prob, y));
            return m;
        }
        double[] hp = Arrays.copyOfRange(prob, train, n), hy = Arrays.copyOfRange(y, train, n);
        m.put("auc", Metrics.auc(hp, hy));
        m.put("log_loss", Metrics.logLoss(hp, hy));
        m.put("train_auc", Metrics.auc(Arrays.copyOf(prob, train), Arrays.copyOf(y, train)));
        m.put("train_log_loss", Metrics.logLoss(Arrays.copyOf(prob, train), Arrays.copyOf(y, train)));
        m.put("holdout_rows", (double) (n - train));
        return m;
    }
}
