package io.meshfl.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OptimizerTest {

    @Test
    void sgdStepsAgainstTheGradient() {
        double[] w = {1, -2};
        new Sgd(0.1, 0).step(w, new double[] {2, -4}, 1);
        assertArrayEquals(new double[] {0.8, -1.6}, w, 1e-12);
    }

    @Test
    void sgdMomentumAccumulatesVelocity() {
        Sgd sgd = new Sgd(0.1, 0.5);
        double[] w = {0};
        sgd.step(w, new double[] {1}, 1);
        sgd.step(w, new double[] {1}, 2);
        assertEquals(-0.1 - 0.15, w[0], 1e-12);
    }

    @Test
    void adamFirstStepHasLearningRateMagnitude() {
        double[] w = {0, 0};
        new Adam(0.01).step(w, new double[] {5, -0.001}, 1);
        assertEquals(-0.01, w[0], 1e-9);
        assertEquals(0.01, w[1], 1e-4);
    }

    @Test
    void bothMinimiseAQuadratic() {
        for (OptimizerSpec spec : new OptimizerSpec[] {OptimizerSpec.sgd(0.1, 0.9), OptimizerSpec.adam(0.05)}) {
            Optimizer opt = spec.create();
            double[] w = {3, -4};
            for (int t = 1; t <= 2000; t++) opt.step(w, new double[] {2 * (w[0] - 1), 2 * (w[1] + 2)}, t);
            assertArrayEquals(new double[] {1, -2}, w, 1e-3, spec.name());
        }
    }

    @Test
    void specBuildsTheNamedOptimizer() {
        assertInstanceOf(Sgd.class, new OptimizerSpec("SGD", 0.1, 0).create());
        assertInstanceOf(Adam.class, new OptimizerSpec(" adam ", 0.1, 0).create());
        assertEquals("adam", new OptimizerSpec("Adam", 0.1, 0).name());
    }

    @Test
    void specValidationNamesTheField() {
        assertMessage("optimizer.name", () -> new OptimizerSpec("rmsprop", 0.1, 0));
        assertMessage("optimizer.name", () -> new OptimizerSpec(null, 0.1, 0));
        assertMessage("optimizer.lr", () -> new OptimizerSpec("sgd", 0, 0));
        assertMessage("optimizer.lr", () -> new OptimizerSpec("sgd", Double.NaN, 0));
        assertMessage("optimizer.momentum", () -> new OptimizerSpec("sgd", 0.1, 1.0));
        assertMessage("optimizer.momentum", () -> new OptimizerSpec("sgd", 0.1, -0.1));
        assertMessage("optimizer.beta2", () -> new Adam(0.1, 0.9, 1.0, 1e-8));
    }

    private static void assertMessage(String field, org.junit.jupiter.api.function.Executable e) {
        var ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(field), ex.getMessage());
    }
}
