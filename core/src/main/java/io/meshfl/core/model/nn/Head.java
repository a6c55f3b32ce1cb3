package io.meshfl.core.model.nn;

import io.meshfl.core.model.Labels;
import io.meshfl.core.model.ModelSpec;

/**
 * The last layer of a network and the loss it trains on, by the kind of target: one logit and
 * binary cross-entropy, one logit per class and softmax cross-entropy, one value and squared
 * error, or the log of a mean count and the Poisson loss. Pure functions over row-major blocks of
 * {@link #outputs()} values per row.
 */
public record Head(ModelSpec.Task task, int classes) {

    /** One logit, binary cross-entropy. */
    public static final Head BINARY = new Head(ModelSpec.Task.BINARY, 1);

    public Head {
        if (task == null) throw new IllegalArgumentException("a head needs a task");
        if (task == ModelSpec.Task.MULTICLASS && classes < 2) throw new IllegalArgumentException("a multiclass head needs >= 2 classes, got " + classes);
        if (task != ModelSpec.Task.MULTICLASS) classes = 1;
    }

    /** The head of a model of {@code spec}. */
    public static Head of(ModelSpec spec) {
        return new Head(spec.task(), spec.classes());
    }

    /** Values per row: the class count for multiclass, else 1. */
    public int outputs() {
        return classes;
    }

    /** The batch-mean loss of {@code logits} against {@code y}, its gradient written to {@code dLogits} (see {@link Losses}). */
    public double loss(double[] logits, double[] y, double[] dLogits) {
        return switch (task) {
            case BINARY -> Losses.bceWithLogits(logits, y, dLogits);
            case MULTICLASS -> Losses.softmaxCrossEntropy(logits, y, dLogits);
            case REGRESSION -> Losses.mse(logits, y, dLogits);
            case COUNT -> Losses.poissonWithLogLink(logits, y, dLogits);
        };
    }

    /** Predictions from logits: P(1), the class probabilities row by row, the value, or the mean count. */
    public double[] predict(double[] logits) {
        double[] out = new double[logits.length];
        switch (task) {
            case BINARY -> {
                for (int i = 0; i < out.length; i++) out[i] = Losses.sigmoid(logits[i]);
            }
            case REGRESSION -> System.arraycopy(logits, 0, out, 0, out.length);
            case COUNT -> {
                for (int i = 0; i < out.length; i++) out[i] = Math.exp(logits[i]);
            }
            case MULTICLASS -> {
                for (int off = 0; off < out.length; off += classes) Losses.softmax(logits, off, classes, out, off);
            }
        }
        return out;
    }

    /** Why {@code v} cannot be a label for this head, or null (see {@link Labels}). */
    public String badLabel(double v) {
        return Labels.problem(task, classes, v);
    }
}
