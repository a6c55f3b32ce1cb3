package io.meshfl.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.data.Dataset;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LocalTrainerTest {

    private final Model linear = Models.create(ModelSpec.of(ModelSpec.Type.LINEAR), 3);
    private final Dataset data = TestData.gaussian(103, 3, new Random(1), r -> 2 * r[0] - r[1] + 0.5 * r[2] + 1);

    private static LocalConfig cfg(int epochs, int batch, double mu, double l2, long seed) {
        return new LocalConfig(epochs, batch, OptimizerSpec.sgd(0.05, 0), mu, l2, seed);
    }

    @Test
    void countsStepsAndExamplesAndLeavesStartUntouched() {
        double[] start = {0.1, 0.2, 0.3, 0.4};
        LocalResult r = LocalTrainer.train(linear, start, data, cfg(3, 10, 0, 0, 7));
        assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4}, start);
        assertEquals(3 * 11, r.steps());
        assertEquals(3 * 103, r.examplesSeen());
        assertFalse(Arrays.equals(start, r.params()));
        assertTrue(r.meanLoss() < LocalTrainer.meanLoss(linear, start, data));
    }

    @Test
    void sameSeedSameResultOtherSeedDifferent() {
        double[] start = new double[4];
        LocalResult a = LocalTrainer.train(linear, start, data, cfg(2, 8, 0, 0, 42));
        LocalResult b = LocalTrainer.train(linear, start, data, cfg(2, 8, 0, 0, 42));
        LocalResult c = LocalTrainer.train(linear, start, data, cfg(2, 8, 0, 0, 43));
        assertArrayEquals(a.params(), b.params());
        assertEquals(a.meanLoss(), b.meanLoss());
        assertFalse(Arrays.equals(a.params(), c.params()));
    }

    @Test
    void fullBatchStepUsesTheAveragedGradient() {
        double[] start = new double[4];
        LocalResult r = LocalTrainer.train(linear, start, data, cfg(1, 1000, 0, 0, 1));
        double[] g = new double[4];
        linear.lossAndGradient(start, data, TestData.allRows(103), g);
        for (int i = 0; i < 4; i++) assertEquals(-0.05 * g[i] / 103, r.params()[i], 1e-12);
        assertEquals(1, r.steps());
        assertEquals(LocalTrainer.meanLoss(linear, start, data), r.meanLoss(), 1e-12);
    }

    @Test
    void l2ShrinksWeightsButNotTheBias() {
        double[] start = {1, 1, 1, 1};
        // zero labels and zero features isolate the penalty: data gradients are zero except on the bias
        Dataset zeros = new Dataset(TestData.names(3), new double[30], new double[10], null, 10);
        LocalResult r = LocalTrainer.train(linear, start, zeros, cfg(1, 10, 0, 0.5, 1));
        assertEquals(1 - 0.05 * 0.5, r.params()[0], 1e-12);
        assertEquals(1 - 0.05 * 1.0, r.params()[3], 1e-12); // only the data gradient (pred - y = 1)
    }

    @Test
    void proximalTermPullsTowardsTheStart() {
        double[] start = new double[4];
        LocalResult free = LocalTrainer.train(linear, start, data, cfg(5, 10, 0, 0, 3));
        LocalResult prox = LocalTrainer.train(linear, start, data, cfg(5, 10, 5.0, 0, 3));
        assertTrue(norm(prox.params()) < 0.5 * norm(free.params()),
                norm(prox.params()) + " vs " + norm(free.params()));
    }

    @Test
    void divergenceNamesEpochAndStep() {
        LocalConfig wild = new LocalConfig(50, 10, OptimizerSpec.sgd(1e4, 0), 0, 0, 1);
        var e = assertThrows(IllegalStateException.class, () -> LocalTrainer.train(linear, new double[4], data, wild));
        assertTrue(e.getMessage().matches(".*epoch \\d+, step \\d+.*"), e.getMessage());
    }

    @Test
    void nanLossIsRejectedWithItsPosition() {
        double[] x = new double[30];
        x[3 * 7] = Double.NaN;
        Dataset bad = new Dataset(TestData.names(3), x, new double[10], null, 10);
        var e = assertThrows(IllegalStateException.class,
                () -> LocalTrainer.train(linear, new double[4], bad, cfg(1, 5, 0, 0, 1)));
        assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("epoch 1"), e.getMessage());
    }

    @Test
    void emptyDataReturnsTheStart() {
        Dataset empty = new Dataset(TestData.names(3), new double[0], new double[0], null, 0);
        LocalResult r = LocalTrainer.train(linear, new double[] {1, 2, 3, 4}, empty, cfg(2, 4, 0, 0, 1));
        assertArrayEquals(new double[] {1, 2, 3, 4}, r.params());
        assertEquals(0, r.examplesSeen());
        assertEquals(0, r.steps());
    }

    @Test
    void configValidationNamesTheField() {
        OptimizerSpec sgd = OptimizerSpec.sgd(0.1, 0);
        assertMessage("local.epochs", () -> new LocalConfig(0, 1, sgd, 0, 0, 1));
        assertMessage("local.batchSize", () -> new LocalConfig(1, 0, sgd, 0, 0, 1));
        assertMessage("local.optimizer", () -> new LocalConfig(1, 1, null, 0, 0, 1));
        assertMessage("local.proximalMu", () -> new LocalConfig(1, 1, sgd, -1, 0, 1));
        assertMessage("local.l2", () -> new LocalConfig(1, 1, sgd, 0, Double.NaN, 1));
    }

    @Test
    void rejectsMismatchedInputs() {
        assertMessage("length", () -> LocalTrainer.train(linear, new double[3], data, cfg(1, 1, 0, 0, 1)));
        Model wide = Models.create(ModelSpec.of(ModelSpec.Type.LINEAR), 4);
        assertMessage("features", () -> LocalTrainer.meanLoss(wide, new double[5], data));
        Dataset unlabelled = new Dataset(List.of("a", "b", "c"), new double[3], null, null, 1);
        assertMessage("label", () -> LocalTrainer.meanLoss(linear, new double[4], unlabelled));
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        return Math.sqrt(s);
    }

    private static void assertMessage(String text, org.junit.jupiter.api.function.Executable e) {
        var ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(text), ex.getMessage());
    }
}
