package io.meshfl.core.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NetworkTest {

    @Test
    void mlpLaysOutDenseSlicesInOrder() {
        Network net = Network.mlp(3, List.of(4), 2, Activation.RELU, false);
        assertEquals(3, net.layers().size()); // dense, relu, dense
        assertEquals(3 * 4 + 4 + 4 * 2 + 2, net.numParams());
        assertEquals(16, net.offset(2));
        assertEquals(3, net.inputs());
        assertEquals(2, net.outputs());
    }

    @Test
    void rejectsMismatchedWidthsAndReusedLayers() {
        var e = assertThrows(IllegalArgumentException.class, () -> Network.of(new Dense(3, 4, Dense.Init.HE), new Relu(5)));
        assertTrue(e.getMessage().contains("takes 5 inputs"), e.getMessage());
        Relu r = new Relu(3);
        assertThrows(IllegalArgumentException.class, () -> Network.of(r, r));
        assertThrows(IllegalStateException.class, () -> new Relu(3).backward(new double[0], 0, new double[3], new double[0]));
    }

    @Test
    void denseHeAndXavierInitScales() {
        Random rng = new Random(1);
        Dense he = new Dense(200, 100, Dense.Init.HE);
        Dense xa = new Dense(200, 100, Dense.Init.XAVIER);
        double[] p = new double[he.numParams()];
        he.init(p, 0, rng);
        assertEquals(2.0 / 200, variance(p, 20000), 0.1 * 2.0 / 200);
        xa.init(p, 0, rng);
        assertEquals(2.0 / 300, variance(p, 20000), 0.1 * 2.0 / 300);
        for (int i = 20000; i < p.length; i++) assertEquals(0.0, p[i]);
    }

    @Test
    void copiesAreIndependentAndAgree() {
        Network net = Network.mlp(5, List.of(8, 6), 3, Activation.TANH, true);
        double[] p = new double[net.numParams()];
        net.init(p, new Random(2));
        double[] x1 = NnTestData.gaussian(4 * 5, new Random(3));
        double[] x2 = NnTestData.gaussian(2 * 5, new Random(4));
        Network other = net.copy();
        net.forward(p, x1, 4);
        other.forward(p, x2, 2);
        double[] g = new double[net.numParams()];
        double[] gradIn = net.backward(p, new double[4 * 3], g); // its cache is still the 4-row batch
        assertEquals(4 * 5, gradIn.length);
        assertArrayEquals(net.forward(p, x2, 2), other.forward(p, x2, 2));
    }

    @Test
    void parameterOnlyBackwardGivesTheSameParameterGradient() {
        Network net = Network.mlp(6, List.of(5), 2, Activation.RELU, true);
        double[] p = new double[net.numParams()];
        net.init(p, new Random(5));
        double[] x = NnTestData.gaussian(3 * 6, new Random(6));
        double[] r = NnTestData.gaussian(3 * 2, new Random(7));
        double[] g1 = new double[p.length];
        double[] g2 = new double[p.length];
        net.forward(p, x, 3);
        net.backward(p, r, g1);
        net.backwardParams(p, r, g2);
        assertArrayEquals(g1, g2);
    }

    private static double variance(double[] a, int n) {
        double s = 0, s2 = 0;
        for (int i = 0; i < n; i++) {
            s += a[i];
            s2 += a[i] * a[i];
        }
        return s2 / n - (s / n) * (s / n);
    }
}
