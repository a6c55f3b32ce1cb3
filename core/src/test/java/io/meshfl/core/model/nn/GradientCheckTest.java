package io.meshfl.core.model.nn;

import static io.meshfl.core.model.nn.NnTestData.numericGradient;
import static io.meshfl.core.model.nn.NnTestData.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.data.Dataset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GradientCheckTest {

    private static final double TOL = 1e-5;
    private static final int ROWS = 7;

    @Test
    void denseLayer() {
        checkLayer(new Dense(5, 6, Dense.Init.HE), new Random(1));
    }

    @Test
    void reluStack() {
        checkLayer(Network.mlp(4, List.of(6, 5), 3, Activation.RELU, true), new Random(2));
    }

    @Test
    void tanhStack() {
        checkLayer(Network.mlp(4, List.of(6, 5), 2, Activation.TANH, false), new Random(3));
    }

    @Test
    void mixedActivationsInOneNetwork() {
        checkLayer(Network.of(new Dense(3, 5, Dense.Init.XAVIER), new Tanh(5), new Dense(5, 4, Dense.Init.HE),
                new Relu(4), new Dense(4, 2, Dense.Init.XAVIER)), new Random(4));
    }

    @Test
    void embeddingTable() {
        Random rng = new Random(5);
        Embedding e = new Embedding(6, 3);
        double[] idx = {1, 4, 4, 0, 5, 2, 1};
        double[] params = randomParams(e, rng);
        double[] r = NnTestData.gaussian(idx.length * 3, rng);
        double[] grad = new double[e.numParams()];
        e.forward(params, 0, idx, idx.length);
        double[] gradIn = e.backward(params, 0, r, grad);
        assertEquals(0.0, maxAbs(gradIn));
        double[] numeric = numericGradient(params, () -> dot(e.forward(params, 0, idx, idx.length), r));
        assertTrue(relativeError(grad, numeric) < TOL, "embedding error " + relativeError(grad, numeric));
        for (int j = 9; j < 12; j++) assertEquals(0.0, grad[j], "category 3 is not in the batch"); // row 3 untouched
    }

    @Test
    void inputEncoderWithTwoCategoricalColumns() {
        Random rng = new Random(6);
        InputEncoder enc = new InputEncoder(5, List.of(new InputEncoder.Categorical(3, 4, 2),
                new InputEncoder.Categorical(1, 7, 3)));
        assertEquals(3 + 2 + 3, enc.outputs());
        Network net = Network.of(enc, Network.mlp(enc.outputs(), List.of(6), 2, Activation.TANH, true));
        double[] x = NnTestData.gaussian(ROWS * 5, rng);
        for (int i = 0; i < ROWS; i++) {
            x[i * 5 + 3] = rng.nextInt(4);
            x[i * 5 + 1] = rng.nextInt(7);
        }
        double[] params = randomParams(net, rng);
        double[] r = NnTestData.gaussian(ROWS * 2, rng);
        double[] grad = new double[net.numParams()];
        net.forward(params, x, ROWS);
        double[] gradIn = net.backward(params, r, grad);
        double[] numeric = numericGradient(params, () -> dot(net.forward(params, x, ROWS), r));
        assertTrue(relativeError(grad, numeric) < TOL, "encoder params error " + relativeError(grad, numeric));
        for (int i = 0; i < ROWS; i++) {
            assertEquals(0.0, gradIn[i * 5 + 3]);
            assertEquals(0.0, gradIn[i * 5 + 1]);
            for (int col : new int[] {0, 2, 4}) {
                int at = i * 5 + col;
                double old = x[at];
                double h = 1e-5;
                x[at] = old + h;
                double up = dot(net.forward(params, x, ROWS), r);
                x[at] = old - h;
                double down = dot(net.forward(params, x, ROWS), r);
                x[at] = old;
                double fd = (up - down) / (2 * h);
                assertEquals(fd, gradIn[at], 1e-6 * Math.max(1, Math.abs(fd)), "input column " + col);
            }
        }
    }

    @Test
    void lossesMatchFiniteDifferences() {
        Random rng = new Random(7);
        double[] z = NnTestData.gaussian(9, rng);
        double[] y01 = new double[9];
        for (int i = 0; i < 9; i++) y01[i] = rng.nextBoolean() ? 1 : 0;
        double[] g = new double[9];
        Losses.bceWithLogits(z, y01, g);
        assertTrue(relativeError(g, numericGradient(z, () -> Losses.bceWithLogits(z, y01, null))) < TOL);

        double[] yReal = NnTestData.gaussian(9, rng);
        Losses.mse(z, yReal, g);
        assertTrue(relativeError(g, numericGradient(z, () -> Losses.mse(z, yReal, null))) < TOL);

        double[] logits = NnTestData.gaussian(12, rng);
        double[] cls = {0, 2, 1, 2};
        double[] gs = new double[12];
        Losses.softmaxCrossEntropy(logits, cls, gs);
        assertTrue(relativeError(gs, numericGradient(logits, () -> Losses.softmaxCrossEntropy(logits, cls, null))) < TOL);
    }

    @Test
    void bceStaysFiniteForHugeLogits() {
        double[] g = new double[2];
        double loss = Losses.bceWithLogits(new double[] {800, -800}, new double[] {0, 1}, g);
        assertEquals(800.0, loss, 1e-9);
        assertEquals(0.5, g[0], 1e-12);
        assertEquals(-0.5, g[1], 1e-12);
    }

    /** Two parties (one with an embedding) and a top network, differentiated end to end through the mean BCE. */
    @Test
    void fullSplitNetwork() {
        Random rng = new Random(8);
        int n = 12;
        double[] xa = NnTestData.gaussian(n * 3, rng);
        double[] xb = NnTestData.gaussian(n * 2, rng);
        for (int i = 0; i < n; i++) xb[i * 2 + 1] = 1 + rng.nextInt(4);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = rng.nextBoolean() ? 1 : 0;
        List<Dataset> parties = List.of(NnTestData.table(xa, n), NnTestData.table(xb, n));
        Network bottomA = Network.mlp(3, List.of(5), 3, Activation.RELU, true);
        InputEncoder enc = new InputEncoder(2, List.of(new InputEncoder.Categorical(1, 5, 2)));
        Network bottomB = Network.of(enc, Network.mlp(enc.outputs(), List.of(), 2, Activation.TANH, true));
        Network top = Network.mlp(5, List.of(4), 1, Activation.RELU, false);
        SplitReference ref = new SplitReference(List.of(bottomA, bottomB), top, SplitReference.Config.adam(1, 4, 0.01, 9));
        for (int k = 0; k < 3; k++) {
            double[] p = ref.liveParams(k);
            for (int i = 0; i < p.length; i++) p[i] += 0.3 * rng.nextGaussian(); // off the init, biases non-zero
        }
        int[] batch = {3, 0, 7, 7, 11, 5, 2, 9};
        SplitReference.Step s = ref.evaluate(parties, y, batch);
        List<double[]> analytic = List.of(s.bottomGradients().get(0), s.bottomGradients().get(1), s.topGradient());
        for (int k = 0; k < 3; k++) {
            double[] numeric = numericGradient(ref.liveParams(k), () -> ref.evaluate(parties, y, batch).loss());
            double err = relativeError(analytic.get(k), numeric);
            assertTrue(err < TOL, "block " + k + " relative gradient error " + err);
        }
        // The gradients sent back to the parties are those of the loss w.r.t. their cut-layer outputs.
        double[] yb = new double[batch.length];
        for (int i = 0; i < batch.length; i++) yb[i] = y[batch[i]];
        int[] widths = {3, 2};
        for (int k = 0; k < 2; k++) {
            List<double[]> cut = List.of(s.cutActivations().get(0).clone(), s.cutActivations().get(1).clone());
            double[] numeric = numericGradient(cut.get(k), () -> Losses.bceWithLogits(
                    top.forward(ref.liveParams(2), Columns.concat(cut, widths, batch.length), batch.length), yb, null));
            assertTrue(relativeError(s.cutGradients().get(k), numeric) < TOL, "cut gradient of party " + k);
        }
    }

    /** Checks parameter and input gradients of {@code sum(out * R)} for random R; also that gradients are added. */
    private static void checkLayer(Layer layer, Random rng) {
        double[] params = randomParams(layer, rng);
        double[] x = NnTestData.gaussian(ROWS * layer.inputs(), rng);
        double[] r = NnTestData.gaussian(ROWS * layer.outputs(), rng);
        double[] grad = new double[layer.numParams()];
        java.util.Arrays.fill(grad, 1.0);
        layer.forward(params, 0, x, ROWS);
        double[] gradIn = layer.backward(params, 0, r, grad);
        for (int i = 0; i < grad.length; i++) grad[i] -= 1.0;
        double[] numP = numericGradient(params, () -> dot(layer.forward(params, 0, x, ROWS), r));
        double[] numX = numericGradient(x, () -> dot(layer.forward(params, 0, x, ROWS), r));
        assertTrue(relativeError(grad, numP) < TOL, layer + " params error " + relativeError(grad, numP));
        assertTrue(relativeError(gradIn, numX) < TOL, layer + " input error " + relativeError(gradIn, numX));
    }

    private static double[] randomParams(Layer layer, Random rng) {
        double[] p = new double[layer.numParams()];
        layer.init(p, 0, rng);
        for (int i = 0; i < p.length; i++) p[i] += 0.2 * rng.nextGaussian();
        return p;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
