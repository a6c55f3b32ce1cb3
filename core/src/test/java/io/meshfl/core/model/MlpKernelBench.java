package io.meshfl.core.model;

import io.meshfl.core.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Times one MLP forward/backward batch with plain loops against EJML. Run by hand:
 * {@code java -cp <test+main classes+ejml> io.meshfl.core.model.MlpKernelBench}.
 */
public final class MlpKernelBench {

    public static void main(String[] args) {
        int[][] shapes = {{20, 32}, {100, 64}, {300, 64}, {300, 128, 64}};
        int[] batches = {32, 256, 1024};
        System.out.printf("%-14s %6s %12s %12s %8s%n", "shape", "batch", "loop us", "ejml us", "ejml/loop");
        for (int[] shape : shapes) {
            for (int batch : batches) {
                int d = shape[0];
                List<Integer> hidden = new ArrayList<>();
                for (int i = 1; i < shape.length; i++) hidden.add(shape[i]);
                ModelSpec spec = new ModelSpec(ModelSpec.Type.MLP, hidden, 2, 0);
                Dataset data = randomData(d, batch, new Random(1));
                Mlp loop = new Mlp(spec, d, LoopDenseOps.INSTANCE);
                Mlp ejml = new Mlp(spec, d, EjmlDenseOps.INSTANCE);
                double[] params = new double[loop.numParams()];
                loop.initialize(params, new Random(2));
                int[] rows = new int[batch];
                for (int i = 0; i < batch; i++) rows[i] = i;
                double tl = 0, te = 0;
                // Interleave and repeat so JIT warm-up and machine noise hit both sides alike.
                for (int round = 0; round < 5; round++) {
                    tl = time(loop, params, data, rows);
                    te = time(ejml, params, data, rows);
                }
                System.out.printf("%-14s %6d %12.1f %12.1f %8.2f%n",
                        java.util.Arrays.toString(shape), batch, tl, te, te / tl);
            }
        }
    }

    private static double time(Mlp m, double[] params, Dataset data, int[] rows) {
        double[] grad = new double[m.numParams()];
        long flops = (long) rows.length * m.numParams() * 6;
        int reps = (int) Math.max(3, 2e8 / flops);
        long start = System.nanoTime();
        for (int i = 0; i < reps; i++) m.lossAndGradient(params, data, rows, grad);
        return (System.nanoTime() - start) / 1e3 / reps;
    }

    static Dataset randomData(int d, int n, Random rng) {
        double[] x = new double[n * d];
        double[] y = new double[n];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
        for (int i = 0; i < n; i++) y[i] = rng.nextBoolean() ? 1 : 0;
        List<String> names = new ArrayList<>();
        for (int j = 0; j < d; j++) names.add("f" + j);
        return new Dataset(names, x, y, null, n);
    }
}
