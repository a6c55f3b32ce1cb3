package io.meshfl.core.model.nn;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.Mlp;
import io.meshfl.core.model.ModelSpec;
import java.util.List;
import java.util.Random;

/**
 * Times forward plus backward of the split architecture's pieces against {@link Mlp} on batch 256.
 * Run by hand: {@code java -cp <test+main classes> io.meshfl.core.model.nn.NetworkKernelBench}.
 */
public final class NetworkKernelBench {

    private static final int BATCH = 256;

    public static void main(String[] args) {
        Random rng = new Random(1);
        double[] y = new double[BATCH];
        for (int i = 0; i < BATCH; i++) y[i] = rng.nextBoolean() ? 1 : 0;
        double[] xa = NnTestData.gaussian(BATCH * 30, rng);
        double[] xb = NnTestData.gaussian(BATCH * 30, rng);

        Network bottomA = Network.mlp(30, List.of(64), 16, Activation.RELU, true);
        Network bottomB = Network.mlp(30, List.of(64), 16, Activation.RELU, true);
        Network top = Network.mlp(32, List.of(32), 1, Activation.RELU, false);
        double[] pa = params(bottomA, rng), pb = params(bottomB, rng), pt = params(top, rng);
        int[] widths = {16, 16};
        Runnable split = () -> {
            double[] ca = bottomA.forward(pa, xa, BATCH);
            double[] cb = bottomB.forward(pb, xb, BATCH);
            double[] z = top.forward(pt, Columns.concat(List.of(ca, cb), widths, BATCH), BATCH);
            double[] dz = new double[BATCH];
            Losses.bceWithLogits(z, y, dz);
            double[] gt = new double[pt.length];
            List<double[]> back = Columns.split(top.backward(pt, dz, gt), widths, BATCH);
            bottomA.backwardParams(pa, back.get(0), new double[pa.length]);
            bottomB.backwardParams(pb, back.get(1), new double[pb.length]);
        };

        Network same = Network.mlp(30, List.of(64, 16), 1, Activation.RELU, false);
        double[] ps = params(same, rng);
        Runnable net = () -> {
            double[] z = same.forward(ps, xa, BATCH);
            double[] dz = new double[BATCH];
            Losses.bceWithLogits(z, y, dz);
            same.backwardParams(ps, dz, new double[ps.length]);
        };

        Mlp mlp = new Mlp(new ModelSpec(ModelSpec.Type.MLP, List.of(64, 16), 2, 0), 30);
        double[] pm = new double[mlp.numParams()];
        mlp.initialize(pm, rng);
        Dataset data = new Dataset(NnTestData.table(xa, BATCH).features(), xa, y, null, BATCH);
        int[] rows = NnTestData.allRows(BATCH);
        Runnable ref = () -> mlp.lossAndGradient(pm, data, rows, new double[pm.length]);

        double sSplit = 0, sNet = 0, sMlp = 0;
        // Interleave and repeat so JIT warm-up and machine noise hit every side alike; keep the last round.
        for (int round = 0; round < 6; round++) {
            sSplit = samplesPerSecond(split);
            sNet = samplesPerSecond(net);
            sMlp = samplesPerSecond(ref);
        }
        System.out.printf("split 2x(30-64-16) + 32-32-1: %,.0f samples/s%n", sSplit);
        System.out.printf("Network 30-64-16-1 + BCE:     %,.0f samples/s%n", sNet);
        System.out.printf("Mlp 30-64-16-1:               %,.0f samples/s%n", sMlp);
    }

    private static double[] params(Network n, Random rng) {
        double[] p = new double[n.numParams()];
        n.init(p, rng);
        return p;
    }

    private static double samplesPerSecond(Runnable r) {
        int reps = 400;
        long start = System.nanoTime();
        for (int i = 0; i < reps; i++) r.run();
        return (double) reps * BATCH / ((System.nanoTime() - start) / 1e9);
    }
}
