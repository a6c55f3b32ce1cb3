package io.meshfl.core.protocol.factorized;

/**
 * A linear model over a table's columns; logistic regression reads its score through the sigmoid.
 *
 * @param weights   one weight per column
 * @param intercept added to every score
 */
public record Model(double[] weights, double intercept) {

    /** {@code T w + b}, one score per row. */
    public double[] scores(DesignMatrix x) {
        double[] z = x.times(weights);
        for (int i = 0; i < z.length; i++) z[i] += intercept;
        return z;
    }
}
