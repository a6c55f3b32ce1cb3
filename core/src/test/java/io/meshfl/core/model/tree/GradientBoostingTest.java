package io.meshfl.core.model.tree;

import io.meshfl.core.data.Dataset;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientBoostingTest {

    static Dataset data(int n, long seed) {
        Random rnd = new Random(seed);
        double[] x = new double[n * 3];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) x[i * 3 + j] = rnd.nextGaussian();
            double s = 1.5 * x[i * 3] - (x[i * 3 + 1] > 0.5 ? 2 : 0) + 0.3 * rnd.nextGaussian();
            y[i] = s > 0 ? 1 : 0;
        }
        return new Dataset(List.of("a", "b", "c"), x, y, null, n);
    }

    @Test
    void trainAucRisesAndEndsHigh() {
        var r = GradientBoosting.fit(data(2000, 1), new TreeParams(3, 0.3, 1e-3, 1.0, 0.0), 5, 32);
        assertTrue(r.aucPerTree()[4] > 0.95, "auc " + r.aucPerTree()[4]);
        assertTrue(r.logLossPerTree()[4] < r.logLossPerTree()[0]);
        assertEquals(5, r.model().trees().size());
    }

    @Test
    void modelScoresReproduceTrainingScores() {
        Dataset d = data(500, 2);
        var r = GradientBoosting.fit(d, new TreeParams(2, 0.5, 1e-3, 1.0, 0.0), 3, 16);
        assertArrayEquals(r.trainScores(), r.model().scores(d.x(), d.rows(), d.cols()), 1e-12);
    }

    @Test
    void depthLimitsTheTree() {
        var r = GradientBoosting.fit(data(500, 3), new TreeParams(1, 0.5, 1e-3, 1.0, 0.0), 2, 16);
        for (Tree t : r.model().trees()) assertEquals(1, t.splits());
    }
}
