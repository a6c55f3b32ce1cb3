package io.meshfl.core.model;

import io.meshfl.core.data.Dataset;
import java.util.Arrays;
import java.util.Random;

/**
 * The node-side local training loop of a federated round: seeded per-epoch shuffles, mini-batch
 * gradients averaged over the batch, L2 on non-bias parameters and the optional FedProx proximal
 * term {@code proximalMu * (w - w_start)}.
 */
public final class LocalTrainer {

    private LocalTrainer() {
    }

    /** Trains from a copy of {@code startParams}; {@code startParams} itself is never modified. */
    public static LocalResult train(Model m, double[] startParams, Dataset data, LocalConfig cfg) {
        check(m, startParams, data);
        if (cfg == null) throw new IllegalArgumentException("local training config is required");
        final int p = m.numParams();
        final double[] start = startParams.clone();
        final double[] params = startParams.clone();
        final int n = data.rows();
        if (n == 0) return new LocalResult(params, 0.0, 0, 0);

        final boolean[] bias = HasBiases.maskOf(m);
        final double l2 = cfg.l2();
        final double mu = cfg.proximalMu();
        final Optimizer opt = cfg.optimizer().create();
        final Random rng = new Random(cfg.seed());
        final int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        final int b = Math.min(cfg.batchSize(), n);
        final int[] full = new int[b];
        final double[] grad = new double[p];

        int t = 0;
        long seen = 0;
        double epochLoss = 0;
        for (int epoch = 1; epoch <= cfg.epochs(); epoch++) {
            shuffle(order, rng);
            epochLoss = 0;
            int step = 0;
            for (int from = 0; from < n; from += b) {
                step++;
                int size = Math.min(b, n - from);
                int[] rows = size == b ? full : new int[size];
                System.arraycopy(order, from, rows, 0, size);
                Arrays.fill(grad, 0.0);
                double loss = m.lossAndGradient(params, data, rows, grad);
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("local training diverged: loss is " + loss + " at epoch " + epoch
                            + ", step " + step + " (batch of " + size + " rows)");
                }
                double scale = 1.0 / size;
                for (int i = 0; i < p; i++) {
                    double g = grad[i] * scale;
                    if (l2 > 0 && !bias[i]) g += l2 * params[i];
                    if (mu > 0) g += mu * (params[i] - start[i]);
                    grad[i] = g;
                }
                opt.step(params, grad, ++t);
                for (double v : params) {
                    if (!Double.isFinite(v)) {
                        throw new IllegalStateException("local training diverged: parameters became non-finite at epoch "
                                + epoch + ", step " + step + "; lower optimizer.lr");
                    }
                }
                epochLoss += loss;
                seen += size;
            }
        }
        return new LocalResult(params, epochLoss / n, seen, t);
    }

    /** Mean per-row data loss of {@code params} over all of {@code data}; 0 for an empty dataset. */
    public static double meanLoss(Model m, double[] params, Dataset data) {
        check(m, params, data);
        int n = data.rows();
        if (n == 0) return 0.0;
        double[] scratch = new double[m.numParams()];
        final int chunk = 4096;
        double total = 0;
        for (int from = 0; from < n; from += chunk) {
            int[] rows = new int[Math.min(chunk, n - from)];
            for (int i = 0; i < rows.length; i++) rows[i] = from + i;
            total += m.lossAndGradient(params, data, rows, scratch);
        }
        return total / n;
    }

    private static void check(Model m, double[] params, Dataset data) {
        if (m == null) throw new IllegalArgumentException("model is required");
        if (params == null || params.length != m.numParams()) {
            throw new IllegalArgumentException("parameter vector has length " + (params == null ? "null" : params.length)
                    + ", model expects " + m.numParams());
        }
        if (data == null) throw new IllegalArgumentException("dataset is required");
        if (!data.hasLabel()) throw new IllegalArgumentException("dataset has no label column to train on");
        if (data.cols() != m.inputs()) {
            throw new IllegalArgumentException("dataset has " + data.cols() + " features, model expects " + m.inputs());
        }
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
    }
}
