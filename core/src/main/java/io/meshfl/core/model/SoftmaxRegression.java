package io.meshfl.core.model;

import io.meshfl.core.data.Dataset;
import java.util.Arrays;
import java.util.Random;

/**
 * Multinomial logistic regression over {@code K = spec.classes()} classes. Parameters: {@code K}
 * blocks of {@code d + 1} values, block {@code k} holding class {@code k}'s {@code d} weights then
 * its bias. Labels are class indices {@code 0..K-1} stored as doubles. Loss: softmax
 * cross-entropy; predictions are the {@code K} class probabilities per row.
 */
public final class SoftmaxRegression implements Model, HasBiases {

    private final ModelSpec spec;
    private final int inputs;
    private final int classes;

    public SoftmaxRegression(ModelSpec spec, int inputs) {
        if (inputs < 0) throw new IllegalArgumentException("model inputs must be >= 0, got " + inputs);
        if (spec.classes() < 2) {
            throw new IllegalArgumentException("model.classes: softmax needs at least 2 classes, got " + spec.classes());
        }
        this.spec = spec;
        this.inputs = inputs;
        this.classes = spec.classes();
    }

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
        return classes * (inputs + 1);
    }

    @Override
    public int outputs() {
        return classes;
    }

    @Override
    public boolean isBias(int index) {
        return index % (inputs + 1) == inputs;
    }

    /** Zeros: the loss is convex, so a fixed start loses nothing and keeps runs reproducible. */
    @Override
    public void initialize(double[] params, Random rng) {
        checkLength("parameter vector", params, numParams());
        Arrays.fill(params, 0.0);
    }

    @Override
    public double lossAndGradient(double[] params, Dataset data, int[] rows, double[] grad) {
        checkLength("parameter vector", params, numParams());
        checkLength("gradient vector", grad, numParams());
        checkData(data);
        if (!data.hasLabel()) throw new IllegalArgumentException("dataset has no label column");
        final int d = inputs;
        final int stride = d + 1;
        final double[] x = data.x();
        final double[] y = data.y();
        final double[] p = new double[classes];
        double total = 0;
        for (int r : rows) {
            int label = classIndex(y[r], r, classes);
            int off = r * d;
            double lse = softmax(params, x, off, d, p);
            total += lse - logit(params, x, off, d, label);
            p[label] -= 1.0;
            for (int k = 0; k < classes; k++) {
                double g = p[k];
                int base = k * stride;
                for (int j = 0; j < d; j++) grad[base + j] += g * x[off + j];
                grad[base + d] += g;
            }
        }
        return total;
    }

    @Override
    public void predict(double[] params, Dataset data, double[] out) {
        checkLength("parameter vector", params, numParams());
        checkData(data);
        checkLength("out", out, data.rows() * classes);
        final int d = inputs;
        final double[] p = new double[classes];
        for (int r = 0; r < data.rows(); r++) {
            softmax(params, data.x(), r * d, d, p);
            System.arraycopy(p, 0, out, r * classes, classes);
        }
    }

    /** Fills {@code p} with class probabilities and returns log-sum-exp of the logits. */
    private double softmax(double[] params, double[] x, int off, int d, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            p[k] = logit(params, x, off, d, k);
            if (p[k] > max) max = p[k];
        }
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            p[k] = Math.exp(p[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < classes; k++) p[k] /= sum;
        return max + Math.log(sum);
    }

    private static double logit(double[] params, double[] x, int off, int d, int k) {
        int base = k * (d + 1);
        double s = params[base + d];
        for (int j = 0; j < d; j++) s += params[base + j] * x[off + j];
        return s;
    }

    static int classIndex(double label, int row, int classes) {
        int c = (int) label;
        if (c != label || c < 0 || c >= classes) {
            throw new IllegalArgumentException("label at row " + row + " is " + label
                    + ", expected a class index 0.." + (classes - 1));
        }
        return c;
    }

    private void checkData(Dataset data) {
        if (data.cols() != inputs) {
            throw new IllegalArgumentException("dataset has " + data.cols() + " features, model expects " + inputs);
        }
    }

    private static void checkLength(String what, double[] a, int expected) {
        if (a.length != expected) {
            throw new IllegalArgumentException(what + " has length " + a.length + ", expected " + expected);
        }
    }
}
