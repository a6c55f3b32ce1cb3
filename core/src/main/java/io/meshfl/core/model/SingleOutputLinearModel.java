package io.meshfl.core.model;

import io.meshfl.core.data.Dataset;
import java.util.Random;

/**
 * Shared body of the one-output generalised linear models. Parameter layout: {@code d} weights
 * followed by one bias, so {@code eta = w . x + b}.
 */
abstract class SingleOutputLinearModel implements Model, HasBiases {

    private final ModelSpec spec;
    private final int inputs;

    SingleOutputLinearModel(ModelSpec spec, int inputs) {
        if (inputs < 0) throw new IllegalArgumentException("model inputs must be >= 0, got " + inputs);
        this.spec = spec;
        this.inputs = inputs;
    }

    /** Loss of one row given its linear predictor; writes d loss / d eta into {@code dEta[0]}. */
    abstract double loss(double eta, double y, double[] dEta);

    /** The prediction (mean) for a linear predictor. */
    abstract double mean(double eta);

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public int inputs() {
        return inputs;
    }

    @Override
    public int numParams() {
        return inputs + 1;
    }

    @Override
    public int outputs() {
        return 1;
    }

    @Override
    public boolean isBias(int index) {
        return index == inputs;
    }

    /** Zeros: the loss is convex, so a fixed start loses nothing and keeps runs reproducible. */
    @Override
    public void initialize(double[] params, Random rng) {
        checkParams(params);
        java.util.Arrays.fill(params, 0.0);
    }

    @Override
    public double lossAndGradient(double[] params, Dataset data, int[] rows, double[] grad) {
        checkParams(params);
        checkParams(grad);
        checkData(data, true);
        final int d = inputs;
        final double[] x = data.x();
        final double[] y = data.y();
        final double[] dEta = new double[1];
        double total = 0;
        for (int r : rows) {
            int off = r * d;
            double eta = dot(params, x, off, d) + params[d];
            total += loss(eta, y[r], dEta);
            double g = dEta[0];
            if (g != 0) {
                for (int j = 0; j < d; j++) grad[j] += g * x[off + j];
                grad[d] += g;
            }
        }
        return total;
    }

    @Override
    public void predict(double[] params, Dataset data, double[] out) {
        checkParams(params);
        checkData(data, false);
        if (out.length != data.rows()) {
            throw new IllegalArgumentException("out has length " + out.length + ", expected " + data.rows());
        }
        final int d = inputs;
        final double[] x = data.x();
        for (int r = 0; r < data.rows(); r++) {
            out[r] = mean(dot(params, x, r * d, d) + params[d]);
        }
    }

    static double dot(double[] w, double[] x, int off, int d) {
        // Four accumulators break the add dependency chain, which the JIT will not do for doubles.
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < d; j += 4) {
            s0 += w[j] * x[off + j];
            s1 += w[j + 1] * x[off + j + 1];
            s2 += w[j + 2] * x[off + j + 2];
            s3 += w[j + 3] * x[off + j + 3];
        }
        for (; j < d; j++) s0 += w[j] * x[off + j];
        return (s0 + s1) + (s2 + s3);
    }

    void checkParams(double[] params) {
        if (params.length != numParams()) {
            throw new IllegalArgumentException("parameter vector has length " + params.length + ", expected " + numParams());
        }
    }

    void checkData(Dataset data, boolean needLabel) {
        if (data.cols() != inputs) {
            throw new IllegalArgumentException("dataset has " + data.cols() + " features, model expects " + inputs);
        }
        if (needLabel && !data.hasLabel()) throw new IllegalArgumentException("dataset has no label column");
    }
}
