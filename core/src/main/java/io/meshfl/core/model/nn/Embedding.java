package io.meshfl.core.model.nn;

import java.util.Random;

/**
 * Learned vector per category of one categorical column: input {@code rows x 1} holding category
 * indices stored as doubles, output {@code rows x dim}. Parameter slice: the {@code vocab x dim}
 * table, row-major.
 *
 * <p>Index 0 is reserved for "unknown": encoders should number real categories from 1 and map
 * categories they did not see (or chose to drop as rare) to 0. Row 0 starts at zero rather than
 * random, so an unknown category contributes nothing until training data teaches it otherwise.
 *
 * <p>In training mode every index must be an integer in {@code [0, vocab)}. The
 * {@link #forPrediction()} copy is lenient: a missing value (NaN), an infinite value or an integer
 * outside the range maps to row 0. A finite non-integer still fails in both modes, because it means a
 * numeric column was wired to an embedding, not that a category is new.
 */
public final class Embedding implements Layer {

    private final int vocab;
    private final int dim;
    private final boolean lenient;
    private int[] lastIdx;

    /** A strict embedding, for training. */
    public Embedding(int vocab, int dim) {
        this(vocab, dim, false);
    }

    private Embedding(int vocab, int dim, boolean lenient) {
        if (vocab < 2) throw new IllegalArgumentException("embedding vocab must be >= 2 (row 0 is the unknown category), got " + vocab);
        Shapes.positive("embedding dim", dim);
        this.vocab = vocab;
        this.dim = dim;
        this.lenient = lenient;
    }

    public int vocab() {
        return vocab;
    }

    public int dim() {
        return dim;
    }

    /** Whether unseen categories map to row 0 instead of failing. */
    public boolean lenient() {
        return lenient;
    }

    @Override
    public int inputs() {
        return 1;
    }

    @Override
    public int outputs() {
        return dim;
    }

    @Override
    public int numParams() {
        return vocab * dim;
    }

    @Override
    public void init(double[] params, int offset, Random rng) {
        Shapes.slice(params, offset, numParams());
        // Unit variance per component, the scale of standardised numeric columns beside it.
        for (int j = 0; j < dim; j++) params[offset + j] = 0.0;
        for (int i = offset + dim; i < offset + vocab * dim; i++) params[i] = rng.nextGaussian();
    }

    /** The table row for {@code v}, applying this layer's strict or lenient rule. */
    int index(double v, int row) {
        if (v >= 0 && v < vocab && v == Math.rint(v)) return (int) v;
        boolean integral = Double.isNaN(v) || Double.isInfinite(v) || v == Math.rint(v);
        if (lenient && integral) return 0;
        throw new IllegalArgumentException("row " + row + ": category index " + v
                + " is not an integer in [0, " + vocab + ")");
    }

    @Override
    public double[] forward(double[] params, int offset, double[] in, int rows) {
        Shapes.slice(params, offset, numParams());
        Shapes.matrix("embedding input", in, rows, 1);
        int[] idx = new int[rows];
        double[] y = new double[rows * dim];
        for (int i = 0; i < rows; i++) {
            idx[i] = index(in[i], i);
            System.arraycopy(params, offset + idx[i] * dim, y, i * dim, dim);
        }
        lastIdx = idx;
        return y;
    }

    /** The input gradient is zero: an index is not a differentiable quantity. */
    @Override
    public double[] backward(double[] params, int offset, double[] gradOut, double[] gradParams) {
        backwardParams(params, offset, gradOut, gradParams);
        return new double[lastIdx.length];
    }

    @Override
    public void backwardParams(double[] params, int offset, double[] gradOut, double[] gradParams) {
        if (lastIdx == null) throw Shapes.noForward("Embedding");
        Shapes.slice(gradParams, offset, numParams());
        int[] idx = lastIdx;
        Shapes.matrix("embedding output gradient", gradOut, idx.length, dim);
        for (int i = 0; i < idx.length; i++) {
            int t = offset + idx[i] * dim;
            int g = i * dim;
            for (int j = 0; j < dim; j++) gradParams[t + j] += gradOut[g + j];
        }
    }

    @Override
    public Layer copy() {
        return new Embedding(vocab, dim, lenient);
    }

    @Override
    public Embedding forPrediction() {
        return new Embedding(vocab, dim, true);
    }

    @Override
    public String toString() {
        return "Embedding(" + vocab + " x " + dim + (lenient ? ", lenient" : "") + ")";
    }
}
