package io.meshfl.core.model.nn;

import io.meshfl.core.model.ModelSpec;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class HeadTest {

    /** Every head's gradient is the derivative of its batch-mean loss, checked by central differences. */
    @Test
    void everyHeadsGradientIsItsLossDerivative() {
        Random r = new Random(3);
        int rows = 5;
        for (Head head : new Head[]{Head.BINARY, new Head(ModelSpec.Task.MULTICLASS, 4), new Head(ModelSpec.Task.REGRESSION, 0),
                new Head(ModelSpec.Task.COUNT, 0)}) {
            double[] z = new double[rows * head.outputs()];
            for (int i = 0; i < z.length; i++) z[i] = r.nextGaussian();
            double[] y = new double[rows];
            for (int i = 0; i < rows; i++) {
                y[i] = switch (head.task()) {
                    case BINARY -> r.nextInt(2);
                    case MULTICLASS -> r.nextInt(4);
                    case REGRESSION -> 3 * r.nextGaussian();
                    case COUNT -> r.nextInt(6);
                };
            }
            double[] g = new double[z.length];
            head.loss(z, y, g);
            for (int i = 0; i < z.length; i++) {
                double[] up = z.clone(), down = z.clone();
                up[i] += 1e-6;
                down[i] -= 1e-6;
                double numeric = (head.loss(up, y, null) - head.loss(down, y, null)) / 2e-6;
                assertEquals(numeric, g[i], 1e-6, head + " cell " + i);
            }
        }
    }

    @Test
    void predictionsAreProbabilitiesValuesOrMeanCounts() {
        double[] z = {0.0, Math.log(3), -1.0, 2.0};
        assertEquals(0.5, Head.BINARY.predict(z)[0], 1e-12);
        double[] p = new Head(ModelSpec.Task.MULTICLASS, 2).predict(z);
        assertEquals(1.0, p[0] + p[1], 1e-12);
        assertEquals(1 / (1 + Math.exp(Math.log(3))), p[0], 1e-12);
        assertEquals(3.0, new Head(ModelSpec.Task.COUNT, 0).predict(z)[1], 1e-12);
        assertEquals(-1.0, new Head(ModelSpec.Task.REGRESSION, 0).predict(z)[2], 0.0);
        assertEquals(4, new Head(ModelSpec.Task.MULTICLASS, 4).outputs());
        assertEquals(1, new Head(ModelSpec.Task.COUNT, 7).outputs(), "only a multiclass head has more than one output");
        assertNull(new Head(ModelSpec.Task.COUNT, 0).badLabel(3));
        assertNotNull(new Head(ModelSpec.Task.COUNT, 0).badLabel(-1));
        assertNotNull(new Head(ModelSpec.Task.MULTICLASS, 3).badLabel(3));
        assertNotNull(Head.BINARY.badLabel(Double.NaN));
    }
}
