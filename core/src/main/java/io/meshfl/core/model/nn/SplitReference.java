package io.meshfl.core.model.nn;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.metrics.Metrics;
import io.meshfl.core.model.Optimizer;
import io.meshfl.core.model.OptimizerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Split-learning training run centrally in one process, as the yardstick for the distributed
 * protocol. Party {@code k} owns feature block {@code k} and bottom network {@code k}; the top network
 * takes the parties' cut-layer outputs side by side ({@link Columns#concat}) and produces one logit
 * for binary cross-entropy.
 *
 * <p>Everything a distributed run must reproduce is fixed here and public: each bottom is
 * initialised from {@link #bottomSeed}, the top from {@link #topSeed}, epoch batches come from
 * {@link #batches}, every party and the top keep their own optimizer (element-wise rules such as
 * Adam then equal one optimizer over all parameters), and the loss is the batch mean. A protocol
 * that follows these and uses the same layers gets the same parameters step for step, which
 * {@link #step} exposes for comparison.
 *
 * <p>Not thread-safe: one training run per instance.
 */
public final class SplitReference {

    /** Training settings, checked when built. */
    public record Config(int epochs, int batchSize, OptimizerSpec optimizer, long seed, Head head) {
        public Config {
            if (epochs < 0) throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
            if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
            if (optimizer == null) throw new IllegalArgumentException("optimizer is required");
            if (head == null) head = Head.BINARY;
        }

        /** A binary network: one logit, binary cross-entropy. */
        public Config(int epochs, int batchSize, OptimizerSpec optimizer, long seed) {
            this(epochs, batchSize, optimizer, seed, Head.BINARY);
        }

        public static Config adam(int epochs, int batchSize, double lr, long seed) {
            return new Config(epochs, batchSize, OptimizerSpec.adam(lr), seed);
        }
    }

    /**
     * What one batch produced, before the update: the loss, each party's cut-layer output
     * ({@code batch x width}) and the loss gradient w.r.t. it (what the top sends back), the logits,
     * and the parameter gradients of every bottom and of the top. {@code t} is the 1-based optimizer
     * step the gradients are (or would be) applied at.
     */
    public record Step(int t, double loss, List<double[]> cutActivations, List<double[]> cutGradients,
                       double[] logits, List<double[]> bottomGradients, double[] topGradient) {
    }

    /** Trained parameters, training AUC and the mean training loss of each epoch. */
    public record Result(List<double[]> bottomParams, double[] topParams, double trainAuc, double[] epochLoss) {
    }

    private static final int PREDICT_CHUNK = 1024;

    private final List<Network> bottoms;
    private final Network top;
    private final Config config;
    private final int[] widths;
    private final double[][] bottomParams;
    private final double[] topParams;
    private final Optimizer[] bottomOpt;
    private final Optimizer topOpt;
    private int t;

    /** Fresh, seeded parameters and optimizers for the given architecture. */
    public SplitReference(List<Network> bottoms, Network top, Config config) {
        if (bottoms.isEmpty()) throw new IllegalArgumentException("split learning needs at least one bottom network");
        if (config == null) throw new IllegalArgumentException("config is required");
        this.bottoms = List.copyOf(bottoms);
        this.top = top;
        this.config = config;
        widths = new int[bottoms.size()];
        int cut = 0;
        for (int k = 0; k < widths.length; k++) {
            widths[k] = bottoms.get(k).outputs();
            cut += widths[k];
        }
        if (top.inputs() != cut) {
            throw new IllegalArgumentException("top network takes " + top.inputs() + " inputs but the cut layers give " + cut);
        }
        if (top.outputs() != config.head().outputs()) {
            throw new IllegalArgumentException("top network must give " + config.head().outputs() + " logit(s) per row, gives " + top.outputs());
        }
        bottomParams = new double[widths.length][];
        bottomOpt = new Optimizer[widths.length];
        for (int k = 0; k < widths.length; k++) {
            Network b = this.bottoms.get(k);
            bottomParams[k] = new double[b.numParams()];
            b.init(bottomParams[k], new Random(bottomSeed(config.seed(), k)));
            bottomOpt[k] = config.optimizer().create();
        }
        topParams = new double[top.numParams()];
        top.init(topParams, new Random(topSeed(config.seed())));
        topOpt = config.optimizer().create();
    }

    /** Trains a fresh model for {@code config.epochs()} epochs and reports it. */
    public static Result train(List<Dataset> parties, double[] labels, List<Network> bottoms, Network top, Config config) {
        return new SplitReference(bottoms, top, config).fit(parties, labels);
    }

    /** Seed of party {@code party}'s bottom-network init. */
    public static long bottomSeed(long seed, int party) {
        return mix(seed, 2L + party);
    }

    /** Seed of the top-network init. */
    public static long topSeed(long seed) {
        return mix(seed, 1);
    }

    /**
     * The mini-batches of epoch {@code epoch} (0-based): a seeded shuffle of {@code 0..rows-1} cut
     * into consecutive batches of {@code batchSize}, the last one possibly shorter. Depends only on
     * its arguments, so any party can compute it.
     */
    public static int[][] batches(int rows, int batchSize, long seed, int epoch) {
        if (rows < 0) throw new IllegalArgumentException("rows must be >= 0, got " + rows);
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        Random rng = new Random(mix(mix(seed, 0), epoch));
        for (int i = rows - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        int[][] out = new int[(rows + batchSize - 1) / batchSize][];
        for (int b = 0; b < out.length; b++) {
            int from = b * batchSize;
            out[b] = java.util.Arrays.copyOfRange(order, from, Math.min(rows, from + batchSize));
        }
        return out;
    }

    /** Runs {@code config.epochs()} further epochs over all rows and reports the state afterwards. */
    public Result fit(List<Dataset> parties, double[] labels) {
        int rows = checkParties(parties, labels);
        double[] epochLoss = new double[config.epochs()];
        for (int e = 0; e < config.epochs(); e++) {
            double sum = 0;
            for (int[] batch : batches(rows, config.batchSize(), config.seed(), e)) {
                sum += step(parties, labels, batch).loss() * batch.length;
            }
            epochLoss[e] = rows == 0 ? 0.0 : sum / rows;
        }
        // training AUC for a binary head; the others are scored from predict by what their task reports
        double auc = config.head().task() == io.meshfl.core.model.ModelSpec.Task.BINARY ? Metrics.auc(predict(parties), labels) : Double.NaN;
        return new Result(bottomParams(), topParams(), auc, epochLoss);
    }

    /** Forward and backward over {@code batch} (row indices) and one optimizer step for every party and the top. */
    public Step step(List<Dataset> parties, double[] labels, int[] batch) {
        Step s = evaluate(parties, labels, batch);
        t++;
        for (int k = 0; k < bottoms.size(); k++) bottomOpt[k].step(bottomParams[k], s.bottomGradients().get(k), t);
        topOpt.step(topParams, s.topGradient(), t);
        return s;
    }

    /** Forward and backward over {@code batch} without changing any parameter. */
    public Step evaluate(List<Dataset> parties, double[] labels, int[] batch) {
        checkParties(parties, labels);
        if (batch.length == 0) throw new IllegalArgumentException("batch is empty");
        int m = batch.length;
        List<double[]> cut = new ArrayList<>(bottoms.size());
        for (int k = 0; k < bottoms.size(); k++) {
            cut.add(bottoms.get(k).forward(bottomParams[k], Columns.gather(parties.get(k), batch), m));
        }
        double[] logits = top.forward(topParams, Columns.concat(cut, widths, m), m);
        double[] y = new double[m];
        for (int i = 0; i < m; i++) y[i] = labels[batch[i]];
        double[] dLogits = new double[m * config.head().outputs()];
        double loss = config.head().loss(logits, y, dLogits);
        double[] topGrad = new double[topParams.length];
        List<double[]> cutGrad = Columns.split(top.backward(topParams, dLogits, topGrad), widths, m);
        List<double[]> bottomGrad = new ArrayList<>(bottoms.size());
        for (int k = 0; k < bottoms.size(); k++) {
            double[] g = new double[bottomParams[k].length];
            bottoms.get(k).backwardParams(bottomParams[k], cutGrad.get(k), g);
            bottomGrad.add(g);
        }
        return new Step(t + 1, loss, List.copyOf(cut), List.copyOf(cutGrad), logits, List.copyOf(bottomGrad), topGrad);
    }

    /**
     * The head's predictions for every row (P(label = 1) for a binary network, the class
     * probabilities row by row for a multiclass one); categories unseen in training map to their
     * embedding's unknown row.
     */
    public double[] predict(List<Dataset> parties) {
        int rows = checkParties(parties, null);
        List<Network> bs = new ArrayList<>();
        for (Network b : bottoms) bs.add(b.forPrediction());
        Network tp = top.forPrediction();
        int outputs = config.head().outputs();
        double[] out = new double[rows * outputs];
        for (int from = 0; from < rows; from += PREDICT_CHUNK) {
            int m = Math.min(PREDICT_CHUNK, rows - from);
            int[] idx = new int[m];
            for (int i = 0; i < m; i++) idx[i] = from + i;
            List<double[]> cut = new ArrayList<>(bs.size());
            for (int k = 0; k < bs.size(); k++) {
                cut.add(bs.get(k).forward(bottomParams[k], Columns.gather(parties.get(k), idx), m));
            }
            double[] logits = tp.forward(topParams, Columns.concat(cut, widths, m), m);
            System.arraycopy(config.head().predict(logits), 0, out, from * outputs, m * outputs);
        }
        return out;
    }

    /** Copies of the current bottom parameters, one per party. */
    public List<double[]> bottomParams() {
        List<double[]> out = new ArrayList<>();
        for (double[] p : bottomParams) out.add(p.clone());
        return List.copyOf(out);
    }

    /** Copy of the current top parameters. */
    public double[] topParams() {
        return topParams.clone();
    }

    /** Optimizer steps taken so far. */
    public int steps() {
        return t;
    }

    /** The live parameter vector of party {@code k}, or of the top for {@code k == parties}; for tests. */
    double[] liveParams(int k) {
        return k == bottomParams.length ? topParams : bottomParams[k];
    }

    private int checkParties(List<Dataset> parties, double[] labels) {
        if (parties.size() != bottoms.size()) {
            throw new IllegalArgumentException(parties.size() + " feature blocks for " + bottoms.size() + " bottom networks");
        }
        int rows = parties.get(0).rows();
        for (int k = 0; k < parties.size(); k++) {
            Dataset d = parties.get(k);
            if (d.rows() != rows) throw new IllegalArgumentException("party " + k + " has " + d.rows() + " rows, party 0 has " + rows);
            if (d.cols() != bottoms.get(k).inputs()) {
                throw new IllegalArgumentException("party " + k + " has " + d.cols() + " columns, its bottom network takes " + bottoms.get(k).inputs());
            }
        }
        if (labels != null && labels.length != rows) {
            throw new IllegalArgumentException("labels has " + labels.length + " values, parties have " + rows + " rows");
        }
        return rows;
    }

    /** SplitMix64 finaliser over a seed and a stream number, so the derived seeds are unrelated. */
    private static long mix(long seed, long stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
