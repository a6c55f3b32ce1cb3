package io.meshfl.core.model.tree;

import io.meshfl.core.model.ModelSpec;

/**
 * What boosted trees learn, as pure functions: the base scores, the gradient and hessian of the
 * loss at the current scores, and how scores become predictions. Binary trees boost log-odds
 * (logistic loss), multiclass ones one score per class (softmax cross-entropy, one tree per class
 * per round), regression the value itself (squared loss) and counts the log of the mean (Poisson
 * loss, its hessian raised by {@link #POISSON_DELTA} as XGBoost does, so that rows with a small mean
 * cannot make a leaf's step explode). Scores are row-major: row i's score of class k is at
 * {@code i * classes + k}.
 */
public final class Objective {

    /** The log-scale step bound of Poisson boosting: the hessian is exp(score + delta). */
    public static final double POISSON_DELTA = 0.7;

    private final ModelSpec.Task task;
    private final int classes;

    private Objective(ModelSpec.Task task, int classes) {
        this.task = task;
        this.classes = classes;
    }

    /** The objective of {@code task}; {@code classes} counts only for multiclass (at least 2). */
    public static Objective of(ModelSpec.Task task, int classes) {
        if (task == ModelSpec.Task.MULTICLASS && classes < 2) throw new IllegalArgumentException("a multiclass objective needs >= 2 classes, got " + classes);
        return new Objective(task, task == ModelSpec.Task.MULTICLASS ? classes : 1);
    }

    public ModelSpec.Task task() {
        return task;
    }

    /** Scores per row: the class count for multiclass, else 1. */
    public int classes() {
        return classes;
    }

    /** Why {@code v} cannot be a label of this objective, or null when it can (see {@link io.meshfl.core.model.Labels}). */
    public String badLabel(double v) {
        return io.meshfl.core.model.Labels.problem(task, classes, v);
    }

    /** The scores every row starts from, one per class, learned from the first {@code train} labels. */
    public double[] base(double[] y, int train) {
        int n = Math.max(1, train);
        double mean = 0;
        for (int i = 0; i < train; i++) mean += y[i];
        mean /= n;
        return switch (task) {
            case BINARY -> new double[]{Gradients.baseScore(java.util.Arrays.copyOf(y, train))};
            case REGRESSION -> new double[]{mean};
            case COUNT -> new double[]{Math.log(Math.max(1e-6, mean))};
            case MULTICLASS -> {
                double[] b = new double[classes];
                for (int i = 0; i < train; i++) b[(int) y[i]]++;
                for (int k = 0; k < classes; k++) b[k] = Math.log(Math.max(1e-6, b[k] / n));
                yield b;
            }
        };
    }

    /**
     * Gradient and hessian of every row's loss with respect to its score of class {@code k} (0 for
     * the single-score objectives), at {@code score}.
     */
    public void gradients(double[] score, double[] y, int k, double[] g, double[] h) {
        int n = y.length;
        switch (task) {
            case BINARY -> {
                for (int i = 0; i < n; i++) {
                    double p = Gradients.sigmoid(score[i]);
                    g[i] = p - y[i];
                    h[i] = p * (1 - p);
                }
            }
            case REGRESSION -> {
                for (int i = 0; i < n; i++) {
                    g[i] = score[i] - y[i];
                    h[i] = 1;
                }
            }
            case COUNT -> {
                for (int i = 0; i < n; i++) {
                    g[i] = Math.exp(score[i]) - y[i];
                    h[i] = Math.exp(score[i] + POISSON_DELTA);
                }
            }
            case MULTICLASS -> {
                double[] p = new double[classes];
                for (int i = 0; i < n; i++) {
                    io.meshfl.core.model.nn.Losses.softmax(score, i * classes, classes, p, 0);
                    g[i] = p[k] - (y[i] == k ? 1 : 0);
                    h[i] = p[k] * (1 - p[k]);
                }
            }
        }
    }

    /**
     * Predictions from scores: the probability of class 1 (binary), every class's probability,
     * row by row (multiclass), the value (regression) or the mean count.
     */
    public double[] predict(double[] score) {
        // the same link functions as a network's head of the task
        return new io.meshfl.core.model.nn.Head(task, classes).predict(score);
    }
}
