package io.meshfl.core.protocol.factorized;

import io.meshfl.core.protocol.factorized.GradientDescent.Loss;
import io.meshfl.core.protocol.factorized.GradientDescent.Settings;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same trainer on a factorized and a built table gives the same model. */
class TrainingTest {

    private static double[] linearLabels(DesignMatrix x, Random rnd) {
        double[] truth = Schemas.random(rnd, x.cols());
        double[] y = x.times(truth);
        for (int i = 0; i < y.length; i++) y[i] += 0.5 + 0.1 * rnd.nextGaussian();
        return y;
    }

    private static double[] logisticLabels(DesignMatrix x, Random rnd) {
        double[] z = x.times(Schemas.random(rnd, x.cols()));
        double[] y = new double[z.length];
        for (int i = 0; i < y.length; i++) y[i] = rnd.nextDouble() < GradientDescent.sigmoid(z[i]) ? 1 : 0;
        return y;
    }

    private static void assertSameModel(Model expected, Model actual, double tol) {
        assertArrayEquals(expected.weights(), actual.weights(), tol);
        assertEquals(expected.intercept(), actual.intercept(), tol);
    }

    @Test
    void linearRegressionFactorizedEqualsMaterialized() {
        Random rnd = new Random(11);
        NormalizedMatrix t = Schemas.star(rnd, 400, 3, new int[]{40, 400}, new int[]{5, 2});
        double[] y = linearLabels(t, rnd);
        Settings s = new Settings(200, 0.05, 0.01, 0, false, true);
        Model f = GradientDescent.fit(t, y, Loss.SQUARED, s);
        Model m = GradientDescent.fit(t.materialize(), y, Loss.SQUARED, s);
        assertSameModel(m, f, 1e-9);
        assertTrue(GradientDescent.objective(t, y, Loss.SQUARED, 0.01, f) < GradientDescent.objective(t, y, Loss.SQUARED, 0.01, new Model(new double[t.cols()], 0)));
    }

    @Test
    void logisticRegressionFactorizedEqualsMaterialized() {
        Random rnd = new Random(12);
        NormalizedMatrix t = Schemas.star(rnd, 500, 2, new int[]{25}, new int[]{6});
        double[] y = logisticLabels(t, rnd);
        for (Settings s : new Settings[]{Settings.plain(150, 0.5), new Settings(150, 0.2, 0.001, 0.9, true, true),
                new Settings(150, 0.2, 0, 0.5, false, false)}) {
            Model f = GradientDescent.fit(t, y, Loss.LOGISTIC, s);
            Model m = GradientDescent.fit(t.materialize(), y, Loss.LOGISTIC, s);
            assertSameModel(m, f, 1e-9);
            assertTrue(GradientDescent.objective(t, y, Loss.LOGISTIC, s.l2(), f) < Math.log(2) - 0.05, "training lowered the loss");
        }
    }

    @Test
    void standardizedTrainingFactorizedEqualsMaterialized() {
        Random rnd = new Random(13);
        NormalizedMatrix t = Schemas.star(rnd, 300, 2, new int[]{30}, new int[]{4});
        double[] y = logisticLabels(t, rnd);
        Settings s = new Settings(100, 0.5, 0, 0.9, true, true);
        Model f = GradientDescent.fit(Standardized.of(t), y, Loss.LOGISTIC, s);
        Model m = GradientDescent.fit(Standardized.of(t.materialize()), y, Loss.LOGISTIC, s);
        assertSameModel(m, f, 1e-9);
        // unscaled back to raw columns, the model scores the raw table as it scored the standardized one
        Standardized st = Standardized.of(t);
        assertArrayEquals(f.scores(st), st.unscale(f).scores(t), 1e-10);
    }

    @Test
    void normalEquationsFactorizedEqualMaterialized() {
        Random rnd = new Random(14);
        NormalizedMatrix t = Schemas.star(rnd, 300, 3, new int[]{30, 300, 12}, new int[]{3, 2, 2});
        double[] y = linearLabels(t, rnd);
        assertSameModel(NormalEquations.fit(t.materialize(), y, 0.01, true), NormalEquations.fit(t, y, 0.01, true), 1e-9);
        assertSameModel(NormalEquations.fit(t.materialize(), y, 0, false), NormalEquations.fit(t, y, 0, false), 1e-9);
    }

    @Test
    void normalEquationsMatchGradientDescentOptimum() {
        Random rnd = new Random(15);
        NormalizedMatrix t = Schemas.star(rnd, 400, 3, new int[]{20}, new int[]{4});
        Standardized x = Standardized.of(t);
        double[] y = linearLabels(t, rnd);
        double l2 = 0.01;
        Model closed = NormalEquations.fit(x, y, l2, true);
        Model descended = GradientDescent.fit(x, y, Loss.SQUARED, new Settings(3000, 0.1, l2, 0.9, true, true));
        assertSameModel(closed, descended, 1e-6);
        // the closed form is a minimum: a step away in any single coordinate raises the objective
        double best = GradientDescent.objective(x, y, Loss.SQUARED, l2, closed);
        for (int j = 0; j < x.cols(); j++) {
            double[] w = closed.weights().clone();
            w[j] += 1e-3;
            assertTrue(GradientDescent.objective(x, y, Loss.SQUARED, l2, new Model(w, closed.intercept())) > best);
        }
    }

    @Test
    void normalEquationsRefuseASingularSystem() {
        // a constant column is collinear with the intercept
        Source base = Source.contiguous("fact", 4, 2, new double[]{1, 1, 2, 1, 3, 1, 4, 1}, 0);
        NormalizedMatrix t = NormalizedMatrix.of(2, base);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NormalEquations.fit(t, new double[]{1, 2, 3, 4}, 0, true));
        assertTrue(e.getMessage().contains("singular"), e.getMessage());
    }

    @Test
    void settingsRejectInvalidValues() {
        assertThrows(IllegalArgumentException.class, () -> new Settings(10, 0, 0, 0, false, true));
        assertThrows(IllegalArgumentException.class, () -> new Settings(10, 0.1, 0, 1.0, false, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientDescent.fit(new DenseMatrix(2, 1, new double[]{1, 2}), new double[3], Loss.SQUARED, Settings.plain(1, 0.1)));
        assertEquals("y has length 3, expected 2", e.getMessage());
    }
}
