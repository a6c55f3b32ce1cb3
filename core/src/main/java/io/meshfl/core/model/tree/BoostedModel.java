package io.meshfl.core.model.tree;

import java.util.List;

/**
 * A centrally trained boosted model over one table: the base scores plus the trees, whose splits
 * are all "feature value &lt;= threshold goes left" on that table's columns. Tree {@code t} adds to
 * the score of class {@code t % classes} (one class for every objective but multiclass).
 */
public record BoostedModel(Objective objective, double[] base, List<Tree> trees) {

    public BoostedModel {
        trees = List.copyOf(trees);
        base = base.clone();
        if (base.length != objective.classes()) throw new IllegalArgumentException(base.length + " base scores for " + objective.classes() + " classes");
    }

    /** A binary model: log-odds {@code base} plus the trees. */
    public BoostedModel(double base, List<Tree> trees) {
        this(Objective.of(io.meshfl.core.model.ModelSpec.Task.BINARY, 1), new double[]{base}, trees);
    }

    /** Scores of every row of row-major {@code x} with {@code cols} columns, {@code classes} per row. */
    public double[] scores(double[] x, int rows, int cols) {
        int k = objective.classes();
        double[] s = new double[rows * k];
        for (int r = 0; r < rows; r++) {
            int row = r;
            System.arraycopy(base, 0, s, r * k, k);
            for (int t = 0; t < trees.size(); t++) {
                Tree tree = trees.get(t);
                s[r * k + t % k] += tree.value(row, (node, i) -> x[i * cols + tree.ref()[node]] <= tree.threshold()[node]);
            }
        }
        return s;
    }

    /** Predictions (see {@link Objective#predict}): the positive class's probability for a binary model. */
    public double[] predict(double[] x, int rows, int cols) {
        return objective.predict(scores(x, rows, cols));
    }
}
