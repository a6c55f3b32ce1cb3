package io.meshfl.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void aucMatchesPairCountingWithTies() {
        Random rng = new Random(1);
        for (int trial = 0; trial < 20; trial++) {
            int n = 50 + rng.nextInt(100);
            double[] s = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = rng.nextInt(8) / 8.0; // coarse, so many ties
                y[i] = rng.nextInt(3) == 0 ? 1 : 0;
            }
            assertEquals(pairwiseAuc(s, y), Metrics.auc(s, y), 1e-12);
        }
    }

    @Test
    void aucEdgeCases() {
        assertEquals(1.0, Metrics.auc(new double[] {0.1, 0.9}, new double[] {0, 1}));
        assertEquals(0.0, Metrics.auc(new double[] {0.9, 0.1}, new double[] {0, 1}));
        assertEquals(0.5, Metrics.auc(new double[] {0.4, 0.4}, new double[] {0, 1}));
        assertEquals(0.5, Metrics.auc(new double[] {-0.0, 0.0}, new double[] {0, 1}));
        assertTrue(Double.isNaN(Metrics.auc(new double[] {0.1, 0.2}, new double[] {1, 1})));
        assertThrows(IllegalArgumentException.class, () -> Metrics.auc(new double[] {Double.NaN, 1}, new double[] {0, 1}));
    }

    @Test
    void aucScalesToLargeInputs() {
        Random rng = new Random(2);
        int n = 1_000_000;
        double[] s = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextBoolean() ? 1 : 0;
            s[i] = rng.nextGaussian() + y[i];
        }
        long start = System.nanoTime();
        double auc = Metrics.auc(s, y);
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
        // two unit-variance normals one apart: AUC = Phi(1 / sqrt 2) = 0.7602
        assertEquals(0.7602, auc, 0.003);
    }

    @Test
    void classificationMetrics() {
        double[] s = {0.9, 0.8, 0.3, 0.6, 0.1, 0.5};
        double[] y = {1, 1, 1, 0, 0, 0};
        // predictions 1 1 0 1 0 1: tp 2, fp 2, fn 1, tn 1
        assertEquals(3.0 / 6, Metrics.accuracy(s, y), 1e-12);
        assertEquals(4.0 / 7, Metrics.f1(s, y), 1e-12);
        assertEquals(0.0, Metrics.f1(new double[] {0.1}, new double[] {1}));
        double expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.3) + Math.log(0.4) + Math.log(0.9) + Math.log(0.5)) / 6;
        assertEquals(expected, Metrics.logLoss(s, y), 1e-12);
        assertTrue(Double.isFinite(Metrics.logLoss(new double[] {0.0, 1.0}, new double[] {1, 0})));
    }

    @Test
    void multiclassMetrics() {
        double[] probs = {0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.3, 0.4, 0.3};
        double[] y = {0, 1, 1};
        assertEquals(2.0 / 3, Metrics.accuracy(probs, y, 3), 1e-12);
        assertEquals(-(Math.log(0.7) + Math.log(0.3) + Math.log(0.4)) / 3, Metrics.logLoss(probs, y, 3), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Metrics.accuracy(probs, new double[] {0, 1}, 3));
    }

    @Test
    void regressionMetrics() {
        double[] pred = {1, 2, 4};
        double[] y = {1, 3, 3};
        assertEquals(Math.sqrt(2.0 / 3), Metrics.rmse(pred, y), 1e-12);
        // mean y = 7/3, SST = 16/9 + 4/9 + 4/9 = 24/9, SSE = 2
        assertEquals(1 - 2 / (24.0 / 9), Metrics.r2(pred, y), 1e-12);
        assertEquals(1.0, Metrics.r2(new double[] {2, 2}, new double[] {2, 2}));
        assertEquals(0.0, Metrics.r2(new double[] {1, 3}, new double[] {2, 2}));
    }

    @Test
    void poissonDevianceHandlesZeroCounts() {
        double[] mu = {2, 0.5, 1};
        double[] y = {0, 1, 1};
        double expected = (2 * 2 + 2 * (Math.log(1 / 0.5) - 0.5) + 0) / 3;
        assertEquals(expected, Metrics.poissonDeviance(mu, y), 1e-12);
        assertEquals(0.0, Metrics.poissonDeviance(new double[] {3, 0}, new double[] {3, 0}), 1e-12);
    }

    static double pairwiseAuc(double[] s, double[] y) {
        double num = 0;
        long pairs = 0;
        for (int i = 0; i < s.length; i++) {
            if (y[i] <= 0.5) continue;
            for (int j = 0; j < s.length; j++) {
                if (y[j] > 0.5) continue;
                pairs++;
                if (s[i] > s[j]) num += 1;
                else if (s[i] == s[j]) num += 0.5;
            }
        }
        return num / pairs;
    }
}
