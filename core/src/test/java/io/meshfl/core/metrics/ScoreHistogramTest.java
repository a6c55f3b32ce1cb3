package io.meshfl.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ScoreHistogramTest {

    private static double[][] randomScores(int n, long seed) {
        Random rng = new Random(seed);
        double[] s = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextDouble() < 0.3 ? 1 : 0;
            s[i] = 1 / (1 + Math.exp(-(rng.nextGaussian() + 1.2 * y[i])));
        }
        return new double[][] {s, y};
    }

    @Test
    void binnedAucIsCloseToExactAuc() {
        double[][] d = randomScores(10_000, 1);
        double exact = Metrics.auc(d[0], d[1]);
        double binned = new ScoreHistogram().addAll(d[0], d[1]).auc();
        assertEquals(exact, binned, 1e-3);
        assertTrue(exact > 0.6 && exact < 0.9, "informative but imperfect scores: " + exact);
    }

    @Test
    void binnedAucIsExactWhenScoresAreBinCentres() {
        Random rng = new Random(2);
        int bins = 50;
        double[] s = new double[2000];
        double[] y = new double[2000];
        for (int i = 0; i < s.length; i++) {
            y[i] = rng.nextBoolean() ? 1 : 0;
            s[i] = (Math.min(bins - 1, rng.nextInt(bins / 2) + (int) y[i] * 10) + 0.5) / bins;
        }
        assertEquals(Metrics.auc(s, y), new ScoreHistogram(bins).addAll(s, y).auc(), 1e-12);
    }

    @Test
    void mergingHalvesEqualsBuildingFromAll() {
        double[][] d = randomScores(10_000, 3);
        ScoreHistogram all = new ScoreHistogram().addAll(d[0], d[1]);
        ScoreHistogram a = new ScoreHistogram();
        ScoreHistogram b = new ScoreHistogram();
        for (int i = 0; i < d[0].length; i++) (i % 3 == 0 ? a : b).add(d[0][i], d[1][i]);
        ScoreHistogram merged = a.merge(b);
        assertEquals(all, merged);
        assertEquals(all.auc(), merged.auc(), 0.0);
        assertEquals(10_000, merged.positives() + merged.negatives());
    }

    @Test
    void roundTripsThroughArrays() {
        double[][] d = randomScores(1000, 4);
        ScoreHistogram h = new ScoreHistogram(100).addAll(d[0], d[1]);
        double[][] wire = h.toArrays();
        assertEquals(100, wire[0].length);
        ScoreHistogram back = ScoreHistogram.fromArrays(wire[0], wire[1]);
        assertEquals(h, back);
        assertArrayEquals(wire[0], back.toArrays()[0]);
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> ScoreHistogram.fromArrays(new double[] {1.5}, new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> ScoreHistogram.fromArrays(new double[] {-1}, new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> ScoreHistogram.fromArrays(new double[] {1, 2}, new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new ScoreHistogram(10).merge(new ScoreHistogram(20)));
        assertThrows(IllegalArgumentException.class, () -> new ScoreHistogram().add(Double.NaN, 1));
    }

    @Test
    void clampsOutOfRangeScoresAndReportsNanForOneClass() {
        ScoreHistogram h = new ScoreHistogram(10).add(-3, 0).add(7, 1).add(1.0, 0);
        assertEquals(0.75, h.auc(), 1e-12);
        assertTrue(Double.isNaN(new ScoreHistogram().add(0.3, 1).auc()));
    }

    @Test
    void groupedSparseBinsHideSingleRowsAndKeepTheAucClose() {
        double[][] d = randomScores(120, 3);
        ScoreHistogram h = new ScoreHistogram().addAll(d[0], d[1]);
        double[][] g = h.toSparse(5);
        long rows = 0;
        for (int j = 0; j < g[0].length; j++) {
            assertTrue(g[1][j] + g[2][j] >= 5, "group " + j + " holds " + (g[1][j] + g[2][j]) + " rows");
            rows += (long) (g[1][j] + g[2][j]);
        }
        assertEquals(120, rows);
        ScoreHistogram back = ScoreHistogram.fromSparse(h.bins(), g[0], g[1], g[2]);
        assertEquals(h.positives(), back.positives());
        assertEquals(Metrics.auc(d[0], d[1]), back.auc(), 0.02);
        assertArrayEquals(h.toSparse()[0], h.toSparse(1)[0]);
    }
}
