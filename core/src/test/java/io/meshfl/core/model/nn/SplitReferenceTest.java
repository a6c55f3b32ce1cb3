package io.meshfl.core.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.Adam;
import io.meshfl.core.model.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SplitReferenceTest {

    @Test
    void twoPartiesEachHoldingHalfTheSignalReachHighAuc() {
        Random rng = new Random(21);
        int n = 1500, half = 5, noise = 3;
        double[] w = NnTestData.gaussian(2 * half, rng);
        int d = half + noise;
        double[] xa = new double[n * d];
        double[] xb = new double[n * d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                xa[i * d + j] = rng.nextGaussian();
                xb[i * d + j] = rng.nextGaussian();
            }
            for (int j = 0; j < half; j++) s += w[j] * xa[i * d + j] + w[half + j] * xb[i * d + j];
            y[i] = s + 0.3 * rng.nextGaussian() > 0 ? 1 : 0;
        }
        SplitReference.Result r = SplitReference.train(
                List.of(NnTestData.table(xa, n), NnTestData.table(xb, n)), y,
                List.of(Network.mlp(d, List.of(16), 8, Activation.RELU, true), Network.mlp(d, List.of(16), 8, Activation.RELU, true)),
                Network.mlp(16, List.of(8), 1, Activation.RELU, false),
                SplitReference.Config.adam(8, 64, 0.01, 5));
        assertTrue(r.trainAuc() > 0.9, "AUC " + r.trainAuc());
        assertTrue(r.epochLoss()[7] < r.epochLoss()[0], "loss did not fall");
    }

    /** Label = sign(x1 * x2) with x1 at party A and x2 at party B: no linear model can rank it. */
    @Test
    void learnsXorAcrossParties() {
        Random rng = new Random(22);
        int n = 1500;
        double[] x1 = new double[n];
        double[] x2 = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x1[i] = 2 * rng.nextDouble() - 1;
            x2[i] = 2 * rng.nextDouble() - 1;
            y[i] = x1[i] * x2[i] > 0 ? 1 : 0;
        }
        List<Dataset> parties = List.of(NnTestData.table(x1, n), NnTestData.table(x2, n));
        SplitReference.Result deep = SplitReference.train(parties, y,
                List.of(Network.mlp(1, List.of(16), 8, Activation.RELU, true), Network.mlp(1, List.of(16), 8, Activation.RELU, true)),
                Network.mlp(16, List.of(16), 1, Activation.RELU, false),
                SplitReference.Config.adam(30, 32, 0.01, 6));
        assertTrue(deep.trainAuc() > 0.9, "AUC with hidden layers " + deep.trainAuc());
        SplitReference.Result linear = SplitReference.train(parties, y,
                List.of(Network.of(new Dense(1, 1, Dense.Init.XAVIER)), Network.of(new Dense(1, 1, Dense.Init.XAVIER))),
                Network.of(new Dense(2, 1, Dense.Init.XAVIER)),
                SplitReference.Config.adam(10, 32, 0.01, 6));
        assertTrue(linear.trainAuc() < 0.65, "a linear split model should not rank XOR, AUC " + linear.trainAuc());
    }

    @Test
    void constantColumnPartyTrainsWithoutNan() {
        Random rng = new Random(23);
        int n = 600;
        double[] xa = new double[n * 3];
        double[] xb = new double[n * 4];
        java.util.Arrays.fill(xb, 5.0);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) xa[i * 3 + j] = rng.nextGaussian();
            y[i] = xa[i * 3] - xa[i * 3 + 1] > 0 ? 1 : 0;
        }
        SplitReference.Result r = SplitReference.train(
                List.of(NnTestData.table(xa, n), NnTestData.table(xb, n)), y,
                List.of(Network.mlp(3, List.of(8), 4, Activation.RELU, true), Network.mlp(4, List.of(8), 4, Activation.TANH, true)),
                Network.mlp(8, List.of(8), 1, Activation.RELU, false),
                SplitReference.Config.adam(10, 50, 0.01, 7));
        for (double[] p : r.bottomParams()) assertAllFinite(p);
        assertAllFinite(r.topParams());
        assertAllFinite(r.epochLoss());
        assertTrue(r.trainAuc() > 0.9, "AUC " + r.trainAuc());
    }

    /**
     * Plays the distributed protocol by hand, each party with its own network copy, parameters and
     * optimizer, exchanging only cut-layer activations and their gradients, and checks every step
     * against the reference. This is the check the split protocol will have to pass.
     */
    @Test
    void partiesExchangingOnlyCutLayersMatchTheReferenceStepByStep() {
        Random rng = new Random(24);
        int n = 90;
        double[] xa = NnTestData.gaussian(n * 4, rng);
        double[] xb = NnTestData.gaussian(n * 2, rng);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            xb[i * 2 + 1] = rng.nextInt(5);
            y[i] = xa[i * 4] + (xb[i * 2 + 1] >= 3 ? 1 : -1) > 0 ? 1 : 0;
        }
        List<Dataset> parties = List.of(NnTestData.table(xa, n), NnTestData.table(xb, n));
        InputEncoder enc = new InputEncoder(2, List.of(new InputEncoder.Categorical(1, 5, 3)));
        List<Network> bottoms = List.of(Network.mlp(4, List.of(6), 3, Activation.RELU, true),
                Network.of(enc, Network.mlp(enc.outputs(), List.of(5), 2, Activation.TANH, true)));
        Network top = Network.mlp(5, List.of(4), 1, Activation.RELU, false);
        SplitReference.Config cfg = SplitReference.Config.adam(3, 16, 0.02, 77);
        SplitReference ref = new SplitReference(bottoms, top, cfg);

        int[] widths = {3, 2};
        List<Network> nodeNets = new ArrayList<>();
        List<double[]> nodeParams = new ArrayList<>();
        List<Optimizer> nodeOpt = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            Network b = bottoms.get(k).copy();
            double[] p = new double[b.numParams()];
            b.init(p, new Random(SplitReference.bottomSeed(cfg.seed(), k)));
            nodeNets.add(b);
            nodeParams.add(p);
            nodeOpt.add(new Adam(0.02));
        }
        Network topNet = top.copy();
        double[] topParams = new double[topNet.numParams()];
        topNet.init(topParams, new Random(SplitReference.topSeed(cfg.seed())));
        Optimizer topOpt = new Adam(0.02);

        int t = 0;
        for (int e = 0; e < cfg.epochs(); e++) {
            for (int[] batch : SplitReference.batches(n, cfg.batchSize(), cfg.seed(), e)) {
                int m = batch.length;
                t++;
                SplitReference.Step expected = ref.step(parties, y, batch);
                List<double[]> cut = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    cut.add(nodeNets.get(k).forward(nodeParams.get(k), Columns.gather(parties.get(k), batch), m));
                }
                double[] logits = topNet.forward(topParams, Columns.concat(cut, widths, m), m);
                double[] yb = new double[m];
                for (int i = 0; i < m; i++) yb[i] = y[batch[i]];
                double[] dz = new double[m];
                double loss = Losses.bceWithLogits(logits, yb, dz);
                double[] topGrad = new double[topParams.length];
                List<double[]> back = Columns.split(topNet.backward(topParams, dz, topGrad), widths, m);
                topOpt.step(topParams, topGrad, t);
                for (int k = 0; k < 2; k++) {
                    double[] g = new double[nodeParams.get(k).length];
                    nodeNets.get(k).backwardParams(nodeParams.get(k), back.get(k), g);
                    nodeOpt.get(k).step(nodeParams.get(k), g, t);
                    assertArrayEquals(expected.cutActivations().get(k), cut.get(k), 1e-9);
                    assertArrayEquals(expected.cutGradients().get(k), back.get(k), 1e-9);
                }
                assertEquals(expected.t(), t);
                assertEquals(expected.loss(), loss, 1e-9);
            }
        }
        List<double[]> refBottoms = ref.bottomParams();
        for (int k = 0; k < 2; k++) assertArrayEquals(refBottoms.get(k), nodeParams.get(k), 1e-9);
        assertArrayEquals(ref.topParams(), topParams, 1e-9);
        assertEquals(t, ref.steps());

        // And train() with the same config walks the same path.
        SplitReference.Result again = SplitReference.train(parties, y, bottoms, top, cfg);
        for (int k = 0; k < 2; k++) assertArrayEquals(refBottoms.get(k), again.bottomParams().get(k), 1e-9);
        assertArrayEquals(ref.topParams(), again.topParams(), 1e-9);
    }

    @Test
    void predictionToleratesUnseenCategoriesThatTrainingRejects() {
        int n = 4;
        double[] xb = {1, 2, 1, 2};
        double[] y = {1, 0, 1, 0};
        InputEncoder enc = new InputEncoder(1, List.of(new InputEncoder.Categorical(0, 3, 2)));
        SplitReference ref = new SplitReference(List.of(Network.of(enc)), Network.mlp(2, List.of(), 1, Activation.RELU, false),
                SplitReference.Config.adam(5, 2, 0.05, 1));
        ref.fit(List.of(NnTestData.table(xb, n)), y);
        List<Dataset> fresh = List.of(NnTestData.table(new double[] {9, 0}, 2));
        assertThrows(IllegalArgumentException.class, () -> ref.step(fresh, new double[] {1, 0}, new int[] {0, 1}));
        double[] p = ref.predict(fresh);
        assertEquals(p[1], p[0], 0.0, "unseen category 9 scores like the unknown category 0");
    }

    @Test
    void batchesCoverEveryRowOnceAndDependOnSeedAndEpoch() {
        int[][] b = SplitReference.batches(10, 4, 3, 0);
        assertEquals(3, b.length);
        assertEquals(2, b[2].length);
        boolean[] seen = new boolean[10];
        for (int[] batch : b) for (int r : batch) seen[r] = true;
        for (boolean s : seen) assertTrue(s);
        assertArrayEquals(b[0], SplitReference.batches(10, 4, 3, 0)[0]);
        assertTrue(!java.util.Arrays.equals(b[0], SplitReference.batches(10, 4, 3, 1)[0])
                || !java.util.Arrays.equals(b[1], SplitReference.batches(10, 4, 3, 1)[1]));
    }

    @Test
    void rejectsMismatchedArchitectureAndData() {
        Network b = Network.mlp(2, List.of(), 3, Activation.RELU, true);
        var e = assertThrows(IllegalArgumentException.class, () -> new SplitReference(List.of(b),
                Network.mlp(4, List.of(), 1, Activation.RELU, false), SplitReference.Config.adam(1, 1, 0.1, 0)));
        assertTrue(e.getMessage().contains("cut layers give 3"), e.getMessage());
        SplitReference ref = new SplitReference(List.of(b), Network.mlp(3, List.of(), 1, Activation.RELU, false),
                SplitReference.Config.adam(1, 1, 0.1, 0));
        assertThrows(IllegalArgumentException.class, () -> ref.fit(List.of(NnTestData.table(new double[3], 1)), new double[1]));
        assertThrows(IllegalArgumentException.class, () -> SplitReference.Config.adam(1, 0, 0.1, 0));
    }

    private static void assertAllFinite(double[] a) {
        for (int i = 0; i < a.length; i++) assertTrue(Double.isFinite(a[i]), "value " + i + " is " + a[i]);
    }
}
