package io.meshfl.core.model.nn;

import java.util.Random;

/** Element-wise {@code max(0, x)}; the gradient at exactly 0 is taken as 0. */
public final class Relu implements Layer {

    private final int width;
    private double[] lastOut;

    public Relu(int width) {
        Shapes.positive("relu width", width);
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
        Shapes.matrix("relu input", in, rows, width);
        double[] y = new double[in.length];
        for (int i = 0; i < y.length; i++) y[i] = in[i] > 0 ? in[i] : 0.0;
        lastOut = y;
        return y;
    }

    @Override
    public double[] backward(double[] params, int offset, double[] gradOut, double[] gradParams) {
        if (lastOut == null) throw Shapes.noForward("Relu");
        double[] y = lastOut;
        if (gradOut.length != y.length) {
            throw new IllegalArgumentException("relu output gradient has " + gradOut.length + " cells, expected " + y.length);
        }
        double[] g = new double[y.length];
        for (int i = 0; i < g.length; i++) g[i] = y[i] > 0 ? gradOut[i] : 0.0;
        return g;
    }

    @Override
    public void backwardParams(double[] params, int offset, double[] gradOut, double[] gradParams) {
    }

    @Override
    public Layer copy() {
        return new Relu(width);
    }

    @Override
    public String toString() {
        return "Relu(" + width + ")";
    }
}
