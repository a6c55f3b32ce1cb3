package io.meshfl.core.model.tree;

import java.util.List;

/**
 * A centrally trained boosted model over one table: the base score (log-odds) plus the trees,
 * whose splits are all "feature value &lt;= threshold goes left" on that table's columns.
 */
public record BoostedModel(double base, List<Tree> trees) {

    public BoostedModel {
        trees = List.copyOf(trees);
    }

    /** Log-odds of every row of row-major {@code x} with {@code cols} columns. */
    public double[] scores(double[] x, int rows, int cols) {
        double[] s = new double[rows];
        for (int r = 0; r < rows; r++) {
            int row = r;
            double v = base;
            for (Tree t : trees) v += t.value(row, (node, i) -> x[i * cols + t.ref()[node]] <= t.threshold()[node]);
            s[r] = v;
        }
        return s;
    }

    /** Probabilities of the positive class. */
    public double[] predict(double[] x, int rows, int cols) {
        double[] s = scores(x, rows, cols);
        for (int i = 0; i < s.length; i++) s[i] = Gradients.sigmoid(s[i]);
        return s;
    }
}
