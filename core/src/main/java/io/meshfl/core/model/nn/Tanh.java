package io.meshfl.core.model.nn;

import java.util.Random;

/** Element-wise hyperbolic tangent. */
public final class Tanh implements Layer {

    private final int width;
    private double[] lastOut;

    public Tanh(int width) {
        Shapes.positive("tanh width", width);
        this.width = width;
    }

    @Override
    public int inputs() {
        return width;
    }

    @Override
    public int outputs() {
        return width;
    }

    @Override
    public int numParams() {
        return 0;
    }

    @Override
    public void init(double[] params, int offset, Random rng) {
    }

    @Override
    public double[] forward(double[] params, int offset, double[] in, int rows) {
        Shapes.matrix("tanh input", in, rows, width);
        double[] y = new double[in.length];
        for (int i = 0; i < y.length; i++) y[i] = Math.tanh(in[i]);
        lastOut = y;
        return y;
    }

    @Override
    public double[] backward(double[] params, int offset, double[] gradOut, double[] gradParams) {
        if (lastOut == null) throw Shapes.noForward("Tanh");
        double[] y = lastOut;
        if (gradOut.length != y.length) {
            throw new IllegalArgumentException("tanh output gradient has " + gradOut.length + " cells, expected " + y.length);
        }
        double[] g = new double[y.length];
        for (int i = 0; i < g.length; i++) g[i] = gradOut[i] * (1 - y[i] * y[i]);
        return g;
    }

    @Override
    public void backwardParams(double[] params, int offset, double[] gradOut, double[] gradParams) {
    }

    @Override
    public Layer copy() {
        return new Tanh(width);
    }

    @Override
    public String toString() {
        return "Tanh(" + width + ")";
    }
}
