package io.meshfl.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.data.Dataset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelsTest {

    @Test
    void factoryBuildsEachTypeWithItsShape() {
        assertInstanceOf(LogisticRegression.class, Models.create(ModelSpec.of(ModelSpec.Type.LOGISTIC), 4));
        assertInstanceOf(LinearRegression.class, Models.create(ModelSpec.of(ModelSpec.Type.LINEAR), 4));
        assertInstanceOf(PoissonRegression.class, Models.create(ModelSpec.of(ModelSpec.Type.POISSON), 4));
        assertEquals(5, Models.create(ModelSpec.of(ModelSpec.Type.LOGISTIC), 4).numParams());

        Model softmax = Models.create(new ModelSpec(ModelSpec.Type.SOFTMAX, List.of(), 3, 0), 4);
        assertEquals(15, softmax.numParams());
        assertEquals(3, softmax.outputs());

        Model mlp = Models.create(new ModelSpec(ModelSpec.Type.MLP, List.of(8, 3), 0, 0), 4);
        assertEquals(8 * 4 + 8 + 3 * 8 + 3 + 3 + 1, mlp.numParams());
        assertEquals(1, mlp.outputs());
        assertEquals(5, Models.create(new ModelSpec(ModelSpec.Type.MLP, List.of(8), 5, 0), 4).outputs());
        assertEquals(5, new ModelSpec(ModelSpec.Type.MLP, List.of(8), 5, 0).outputs());
    }

    @Test
    void factoryRejectsHiddenLayersOnLinearModels() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Models.create(new ModelSpec(ModelSpec.Type.LOGISTIC, List.of(4), 0, 0), 3));
        assertTrue(e.getMessage().contains("model.hidden"), e.getMessage());
    }

    @Test
    void biasMasksMatchTheDocumentedLayouts() {
        boolean[] logistic = HasBiases.maskOf(Models.create(ModelSpec.of(ModelSpec.Type.LOGISTIC), 2));
        assertArrayEquals(new boolean[] {false, false, true}, logistic);
        boolean[] softmax = HasBiases.maskOf(Models.create(new ModelSpec(ModelSpec.Type.SOFTMAX, List.of(), 2, 0), 2));
        assertArrayEquals(new boolean[] {false, false, true, false, false, true}, softmax);
        Mlp mlp = (Mlp) Models.create(new ModelSpec(ModelSpec.Type.MLP, List.of(3), 0, 0), 2);
        boolean[] mask = HasBiases.maskOf(mlp);
        for (int i = 0; i < mask.length; i++) {
            boolean expected = (i >= mlp.biasOffset(0) && i < mlp.biasOffset(0) + 3) || i == mlp.numParams() - 1;
            assertEquals(expected, mask[i], "param " + i);
        }
    }

    @Test
    void predictionsFollowTheParameterLayout() {
        Dataset data = new Dataset(List.of("a", "b"), new double[] {1, 2, -1, 0.5}, new double[] {1, 0}, null, 2);
        double[] params = {0.5, -0.25, 0.1};
        double eta0 = 0.5 - 0.5 + 0.1, eta1 = -0.5 - 0.125 + 0.1;
        double[] out = new double[2];
        Models.create(ModelSpec.of(ModelSpec.Type.LINEAR), 2).predict(params, data, out);
        assertArrayEquals(new double[] {eta0, eta1}, out, 1e-12);
        Models.create(ModelSpec.of(ModelSpec.Type.LOGISTIC), 2).predict(params, data, out);
        assertArrayEquals(new double[] {1 / (1 + Math.exp(-eta0)), 1 / (1 + Math.exp(-eta1))}, out, 1e-12);
        Models.create(ModelSpec.of(ModelSpec.Type.POISSON), 2).predict(params, data, out);
        assertArrayEquals(new double[] {Math.exp(eta0), Math.exp(eta1)}, out, 1e-12);

        Model softmax = Models.create(new ModelSpec(ModelSpec.Type.SOFTMAX, List.of(), 2, 0), 2);
        double[] probs = new double[4];
        softmax.predict(new double[] {0, 0, 0, 0.5, -0.25, 0.1}, data, probs);
        // class 0 has zero logits, so P(class 1) is the sigmoid of class 1's logit
        assertEquals(1 / (1 + Math.exp(-eta0)), probs[1], 1e-12);
        assertEquals(1.0, probs[0] + probs[1], 1e-12);
    }

    @Test
    void logisticLossIsStableForExtremeLogits() {
        Model m = Models.create(ModelSpec.of(ModelSpec.Type.LOGISTIC), 1);
        Dataset data = new Dataset(List.of("a"), new double[] {1, 1}, new double[] {0, 1}, null, 2);
        double[] grad = new double[2];
        double loss = m.lossAndGradient(new double[] {800, 0}, data, new int[] {0, 1}, grad);
        assertEquals(800, loss, 1e-9);
        assertArrayEquals(new double[] {1, 1}, grad, 1e-12);
    }

    @Test
    void softmaxRejectsLabelsThatAreNotClassIndices() {
        Model m = Models.create(new ModelSpec(ModelSpec.Type.SOFTMAX, List.of(), 3, 0), 1);
        Dataset data = new Dataset(List.of("a"), new double[] {1, 1}, new double[] {0, 3}, null, 2);
        var e = assertThrows(IllegalArgumentException.class,
                () -> m.lossAndGradient(new double[m.numParams()], data, new int[] {0, 1}, new double[m.numParams()]));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    }

    @Test
    void heInitialisationIsSeededAndScaledByFanIn() {
        Mlp mlp = (Mlp) Models.create(new ModelSpec(ModelSpec.Type.MLP, List.of(200), 0, 0), 50);
        double[] a = new double[mlp.numParams()];
        double[] b = new double[mlp.numParams()];
        mlp.initialize(a, new Random(3));
        mlp.initialize(b, new Random(3));
        assertArrayEquals(a, b);
        double ss = 0;
        for (int i = 0; i < 200 * 50; i++) ss += a[i] * a[i];
        assertEquals(2.0 / 50, ss / (200 * 50), 0.1 * 2.0 / 50);
        for (int i = mlp.biasOffset(0); i < mlp.biasOffset(0) + 200; i++) assertEquals(0.0, a[i]);
    }

    @Test
    void loopAndEjmlKernelsAgree() {
        Random rng = new Random(5);
        ModelSpec spec = new ModelSpec(ModelSpec.Type.MLP, List.of(9, 6), 4, 0);
        Mlp loop = new Mlp(spec, 7, LoopDenseOps.INSTANCE);
        Mlp ejml = new Mlp(spec, 7, EjmlDenseOps.INSTANCE);
        Dataset data = TestData.gaussian(70, 7, rng, r -> rng.nextInt(4));
        double[] params = new double[loop.numParams()];
        loop.initialize(params, rng);
        double[] g1 = new double[params.length];
        double[] g2 = new double[params.length];
        int[] rows = TestData.allRows(70);
        assertEquals(loop.lossAndGradient(params, data, rows, g1), ejml.lossAndGradient(params, data, rows, g2), 1e-9);
        assertArrayEquals(g1, g2, 1e-9);
        double[] p1 = new double[70 * 4];
        double[] p2 = new double[70 * 4];
        loop.predict(params, data, p1);
        ejml.predict(params, data, p2);
        assertArrayEquals(p1, p2, 1e-12);
        assertFalse(p1[0] == 0);
    }
}
