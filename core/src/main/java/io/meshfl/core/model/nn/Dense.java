package io.meshfl.core.model.nn;

import java.util.Random;

/**
 * Fully connected layer {@code out = in * W^T + b}. Parameter slice: {@code W} ({@code outputs x inputs},
 * row-major, row {@code j} holding the weights into unit {@code j}, as in
 * {@link io.meshfl.core.model.Mlp}) followed by the {@code outputs} biases.
 *
 * <p>Plain loops because they measured faster than EJML for these sizes (see {@code Mlp}).
 */
public final class Dense implements Layer {

    /** Weight initialisation; biases always start at zero. */
    public enum Init {
        /** Normal with variance {@code 2 / inputs}: keeps activation scale through ReLU. */
        HE,
        /** Normal with variance {@code 2 / (inputs + outputs)} (Glorot): for tanh and linear outputs. */
        XAVIER
    }

    private final int in;
    private final int out;
    private final Init init;
    private double[] lastIn;
    private int lastRows;

    public Dense(int inputs, int outputs, Init init) {
        Shapes.positive("dense inputs", inputs);
        Shapes.positive("dense outputs", outputs);
        if (init == null) throw new IllegalArgumentException("dense init is required");
        this.in = inputs;
        this.out = outputs;
        this.init = init;
    }

    public Init initKind() {
        return init;
    }

    @Override
    public int inputs() {
        return in;
    }

    @Override
    public int outputs() {
        return out;
    }

    @Override
    public int numParams() {
        return out * in + out;
    }

    @Override
    public void init(double[] params, int offset, Random rng) {
        Shapes.slice(params, offset, numParams());
        double std = Math.sqrt(init == Init.HE ? 2.0 / in : 2.0 / (in + out));
        int b = offset + out * in;
        for (int i = offset; i < b; i++) params[i] = rng.nextGaussian() * std;
        for (int j = 0; j < out; j++) params[b + j] = 0.0;
    }

    @Override
    public double[] forward(double[] params, int offset, double[] x, int rows) {
        Shapes.slice(params, offset, numParams());
        Shapes.matrix("dense input", x, rows, in);
        lastIn = x;
        lastRows = rows;
        double[] y = new double[rows * out];
        int b = offset + out * in;
        for (int i = 0; i < rows; i++) {
            int xi = i * in;
            int yi = i * out;
            int j = 0;
            // Four units at once: each input value is loaded once for four independent sums.
            for (; j + 3 < out; j += 4) {
                int w0 = offset + j * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
                double s0 = params[b + j], s1 = params[b + j + 1], s2 = params[b + j + 2], s3 = params[b + j + 3];
                for (int p = 0; p < in; p++) {
                    double v = x[xi + p];
                    s0 += v * params[w0 + p];
                    s1 += v * params[w1 + p];
                    s2 += v * params[w2 + p];
                    s3 += v * params[w3 + p];
                }
                y[yi + j] = s0;
                y[yi + j + 1] = s1;
                y[yi + j + 2] = s2;
                y[yi + j + 3] = s3;
            }
            for (; j < out; j++) {
                int w = offset + j * in;
                double s = params[b + j];
                for (int p = 0; p < in; p++) s += x[xi + p] * params[w + p];
                y[yi + j] = s;
            }
        }
        return y;
    }

    @Override
    public double[] backward(double[] params, int offset, double[] gradOut, double[] gradParams) {
        backwardParams(params, offset, gradOut, gradParams);
        int rows = lastRows;
        double[] gradIn = new double[rows * in];
        for (int i = 0; i < rows; i++) {
            int gi = i * out;
            int xi = i * in;
            for (int j = 0; j < out; j++) {
                double g = gradOut[gi + j];
                if (g == 0) continue; // ReLU zeroes many deltas
                int w = offset + j * in;
                for (int p = 0; p < in; p++) gradIn[xi + p] += g * params[w + p];
            }
        }
        return gradIn;
    }

    @Override
    public void backwardParams(double[] params, int offset, double[] gradOut, double[] gradParams) {
        if (lastIn == null) throw Shapes.noForward("Dense");
        Shapes.slice(gradParams, offset, numParams());
        int rows = lastRows;
        Shapes.matrix("dense output gradient", gradOut, rows, out);
        double[] x = lastIn;
        int b = offset + out * in;
        // Row j of the weight gradient stays in cache while the input rows stream past it.
        for (int j = 0; j < out; j++) {
            int w = offset + j * in;
            double bias = 0;
            for (int i = 0; i < rows; i++) {
                double g = gradOut[i * out + j];
                if (g == 0) continue;
                bias += g;
                int xi = i * in;
                for (int p = 0; p < in; p++) gradParams[w + p] += g * x[xi + p];
            }
            gradParams[b + j] += bias;
        }
    }

    @Override
    public Layer copy() {
        return new Dense(in, out, init);
    }

    @Override
    public String toString() {
        return "Dense(" + in + " -> " + out + ", " + init + ")";
    }
}
