package io.meshfl.core.model.nn;

import java.util.List;
import java.util.Random;

/**
 * First layer of a bottom network over a mixed table: numeric columns pass through unchanged, each
 * categorical column goes through its own {@link Embedding}. Output columns are
 * {@code [numeric columns in input order..., embedding of categorical 1..., embedding of categorical 2...]}
 * in the order the categorical columns are listed. Parameter slice: the embedding tables in that order.
 *
 * <p>The input gradient is passed through for numeric columns and zero for categorical ones.
 */
public final class InputEncoder implements Layer {

    /** Input column {@code column} holds category indices in {@code [0, vocab)}, embedded in {@code dim} values. */
    public record Categorical(int column, int vocab, int dim) {
        public Categorical {
            if (column < 0) throw new IllegalArgumentException("categorical column must be >= 0, got " + column);
        }
    }

    private final int inputs;
    private final List<Categorical> categorical;
    private final int[] numeric;
    private final Embedding[] embeddings;
    private final int[] tableOff;
    private final int outputs;
    private final int numParams;
    private int lastRows = -1;

    /** Strict encoder, for training; see {@link Embedding} for what strict means. */
    public InputEncoder(int inputs, List<Categorical> categorical) {
        this(inputs, categorical, false);
    }

    private InputEncoder(int inputs, List<Categorical> categorical, boolean lenient) {
        Shapes.positive("encoder inputs", inputs);
        this.inputs = inputs;
        this.categorical = List.copyOf(categorical);
        boolean[] isCat = new boolean[inputs];
        embeddings = new Embedding[this.categorical.size()];
        tableOff = new int[embeddings.length];
        int params = 0;
        int embWidth = 0;
        for (int c = 0; c < embeddings.length; c++) {
            Categorical cat = this.categorical.get(c);
            if (cat.column() >= inputs) {
                throw new IllegalArgumentException("categorical column " + cat.column() + " is outside the " + inputs + " inputs");
            }
            if (isCat[cat.column()]) throw new IllegalArgumentException("categorical column " + cat.column() + " is listed twice");
            isCat[cat.column()] = true;
            Embedding e = new Embedding(cat.vocab(), cat.dim());
            embeddings[c] = lenient ? e.forPrediction() : e;
            tableOff[c] = params;
            params += e.numParams();
            embWidth += cat.dim();
        }
        numeric = new int[inputs - embeddings.length];
        for (int j = 0, k = 0; j < inputs; j++) if (!isCat[j]) numeric[k++] = j;
        outputs = numeric.length + embWidth;
        numParams = params;
    }

    public List<Categorical> categorical() {
        return categorical;
    }

    /** Input columns that pass through, in output order. */
    public int[] numericColumns() {
        return numeric.clone();
    }

    @Override
    public int inputs() {
        return inputs;
    }

    @Override
    public int outputs() {
        return outputs;
    }

    @Override
    public int numParams() {
        return numParams;
    }

    @Override
    public void init(double[] params, int offset, Random rng) {
        Shapes.slice(params, offset, numParams);
        for (int c = 0; c < embeddings.length; c++) embeddings[c].init(params, offset + tableOff[c], rng);
    }

    @Override
    public double[] forward(double[] params, int offset, double[] in, int rows) {
        Shapes.slice(params, offset, numParams);
        Shapes.matrix("encoder input", in, rows, inputs);
        double[] y = new double[rows * outputs];
        int nn = numeric.length;
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < nn; k++) y[i * outputs + k] = in[i * inputs + numeric[k]];
        }
        int col = nn;
        double[] idx = new double[rows];
        for (int c = 0; c < embeddings.length; c++) {
            int src = categorical.get(c).column();
            for (int i = 0; i < rows; i++) idx[i] = in[i * inputs + src];
            double[] e;
            try {
                e = embeddings[c].forward(params, offset + tableOff[c], idx, rows);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("input column " + src + ": " + ex.getMessage(), ex);
            }
            int dim = embeddings[c].dim();
            for (int i = 0; i < rows; i++) System.arraycopy(e, i * dim, y, i * outputs + col, dim);
            col += dim;
        }
        lastRows = rows;
        return y;
    }

    @Override
    public double[] backward(double[] params, int offset, double[] gradOut, double[] gradParams) {
        backwardParams(params, offset, gradOut, gradParams);
        int rows = lastRows;
        double[] g = new double[rows * inputs];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < numeric.length; k++) g[i * inputs + numeric[k]] = gradOut[i * outputs + k];
        }
        return g;
    }

    @Override
    public void backwardParams(double[] params, int offset, double[] gradOut, double[] gradParams) {
        if (lastRows < 0) throw Shapes.noForward("InputEncoder");
        int rows = lastRows;
        Shapes.matrix("encoder output gradient", gradOut, rows, outputs);
        int col = numeric.length;
        for (int c = 0; c < embeddings.length; c++) {
            int dim = embeddings[c].dim();
            double[] ge = new double[rows * dim];
            for (int i = 0; i < rows; i++) System.arraycopy(gradOut, i * outputs + col, ge, i * dim, dim);
            embeddings[c].backwardParams(params, offset + tableOff[c], ge, gradParams);
            col += dim;
        }
    }

    @Override
    public Layer copy() {
        return new InputEncoder(inputs, categorical, embeddings.length > 0 && embeddings[0].lenient());
    }

    @Override
    public InputEncoder forPrediction() {
        return new InputEncoder(inputs, categorical, true);
    }

    @Override
    public String toString() {
        return "InputEncoder(" + inputs + " -> " + outputs + ", categorical " + categorical + ")";
    }
}
