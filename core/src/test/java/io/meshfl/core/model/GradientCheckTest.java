package io.meshfl.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.data.Dataset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GradientCheckTest {

    private static final int N = 25;
    private static final int D = 6;

    @Test
    void logisticRegression() {
        Random rng = new Random(11);
        check(Models.create(ModelSpec.of(ModelSpec.Type.LOGISTIC), D),
                TestData.gaussian(N, D, rng, r -> rng.nextBoolean() ? 1 : 0), rng);
    }

    @Test
    void softmaxRegression() {
        Random rng = new Random(12);
        check(Models.create(new ModelSpec(ModelSpec.Type.SOFTMAX, List.of(), 4, 0), D),
                TestData.gaussian(N, D, rng, r -> rng.nextInt(4)), rng);
    }

    @Test
    void linearRegression() {
        Random rng = new Random(13);
        check(Models.create(ModelSpec.of(ModelSpec.Type.LINEAR), D),
                TestData.gaussian(N, D, rng, r -> 3 * rng.nextGaussian()), rng);
    }

    @Test
    void poissonRegression() {
        Random rng = new Random(14);
        check(Models.create(ModelSpec.of(ModelSpec.Type.POISSON), D),
                TestData.gaussian(N, D, rng, r -> rng.nextInt(6)), rng);
    }

    @Test
    void poissonRegressionBeyondTheOverflowClamp() {
        Random rng = new Random(15);
        Model m = Models.create(ModelSpec.of(ModelSpec.Type.POISSON), D);
        Dataset data = TestData.gaussian(N, D, rng, r -> rng.nextInt(6));
        double[] params = new double[m.numParams()];
        params[D] = PoissonRegression.MAX_ETA + 5; // every eta well past the clamp
        double[] grad = new double[m.numParams()];
        double loss = m.lossAndGradient(params, data, TestData.allRows(N), grad);
        assertTrue(Double.isFinite(loss));
        assertGradientMatches(m, data, params, grad, TestData.allRows(N));
    }

    @Test
    void binaryMlp() {
        Random rng = new Random(16);
        check(Models.create(new ModelSpec(ModelSpec.Type.MLP, List.of(7, 5), 2, 0), D),
                TestData.gaussian(N, D, rng, r -> rng.nextBoolean() ? 1 : 0), rng);
    }

    @Test
    void multiclassMlp() {
        Random rng = new Random(17);
        check(Models.create(new ModelSpec(ModelSpec.Type.MLP, List.of(8), 3, 0), D),
                TestData.gaussian(N, D, rng, r -> rng.nextInt(3)), rng);
    }

    @Test
    void mlpWithoutHiddenLayers() {
        Random rng = new Random(18);
        check(Models.create(new ModelSpec(ModelSpec.Type.MLP, List.of(), 0, 0), D),
                TestData.gaussian(N, D, rng, r -> rng.nextBoolean() ? 1 : 0), rng);
    }

    @Test
    void mlpChunksLargeBatchesWithoutChangingTheResult() {
        Random rng = new Random(19);
        Model m = Models.create(new ModelSpec(ModelSpec.Type.MLP, List.of(4), 2, 0), 3);
        int n = Mlp.CHUNK * 2 + 17;
        Dataset data = TestData.gaussian(n, 3, rng, r -> r[0] > 0 ? 1 : 0);
        double[] params = new double[m.numParams()];
        m.initialize(params, rng);
        double[] whole = new double[m.numParams()];
        double lossWhole = m.lossAndGradient(params, data, TestData.allRows(n), whole);
        double[] parts = new double[m.numParams()];
        double lossParts = 0;
        for (int from = 0; from < n; from += 100) {
            int[] rows = new int[Math.min(100, n - from)];
            for (int i = 0; i < rows.length; i++) rows[i] = from + i;
            lossParts += m.lossAndGradient(params, data, rows, parts);
        }
        assertEquals(lossParts, lossWhole, 1e-9 * Math.abs(lossWhole));
        assertArrayEquals(parts, whole, 1e-9 * n);
    }

    /** Random parameters; checks the summed gradient and that it is added, not written. */
    private static void check(Model m, Dataset data, Random rng) {
        double[] params = new double[m.numParams()];
        m.initialize(params, rng);
        for (int i = 0; i < params.length; i++) params[i] += 0.3 * rng.nextGaussian();
        int[] rows = new int[N - 5];
        for (int i = 0; i < rows.length; i++) rows[i] = rng.nextInt(N); // repeats allowed, like sampling
        double[] grad = new double[m.numParams()];
        java.util.Arrays.fill(grad, 1.0);
        m.lossAndGradient(params, data, rows, grad);
        for (int i = 0; i < grad.length; i++) grad[i] -= 1.0;
        assertGradientMatches(m, data, params, grad, rows);
    }

    private static void assertGradientMatches(Model m, Dataset data, double[] params, double[] grad, int[] rows) {
        double[] numeric = new double[params.length];
        double[] scratch = new double[params.length];
        for (int i = 0; i < params.length; i++) {
            double h = 1e-5 * Math.max(1.0, Math.abs(params[i]));
            double[] p = params.clone();
            p[i] = params[i] + h;
            double up = m.lossAndGradient(p, data, rows, scratch);
            p[i] = params[i] - h;
            double down = m.lossAndGradient(p, data, rows, scratch);
            numeric[i] = (up - down) / (2 * h);
        }
        double diff = 0, normA = 0, normN = 0;
        for (int i = 0; i < params.length; i++) {
            diff += (grad[i] - numeric[i]) * (grad[i] - numeric[i]);
            normA += grad[i] * grad[i];
            normN += numeric[i] * numeric[i];
        }
        double rel = Math.sqrt(diff) / (Math.sqrt(normA) + Math.sqrt(normN));
        assertTrue(normA > 0, "gradient is identically zero");
        assertTrue(rel < 1e-5, m.getClass().getSimpleName() + " relative gradient error " + rel);
    }
}
