package io.meshfl.core.protocol.factorized;

/**
 * Full-batch gradient descent for linear (least squares) and logistic regression over any
 * {@link DesignMatrix}. The arithmetic only touches the table through {@code times} and
 * {@code transposeTimes}, so a factorized and a built table train the same model.
 */
public final class GradientDescent {

    /** What the model predicts, and so which loss it minimizes. */
    public enum Loss {
        /** Mean of {@code (score - y)^2 / 2}. */
        SQUARED,
        /** Mean logistic loss, labels in {0, 1}. */
        LOGISTIC
    }

    /**
     * @param iterations   number of full-batch steps
     * @param learningRate fixed step size
     * @param l2           weight of {@code ||w||^2 / 2} in the objective (the intercept is not penalized)
     * @param momentum     heavy-ball coefficient, 0 for plain gradient descent
     * @param nesterov     take the gradient at the look-ahead point (Nesterov) instead of the current one
     * @param intercept    fit an intercept
     */
    public record Settings(int iterations, double learningRate, double l2, double momentum, boolean nesterov, boolean intercept) {

        public Settings {
            if (iterations < 0) throw new IllegalArgumentException("iterations is negative: " + iterations);
            if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be positive: " + learningRate);
            if (l2 < 0) throw new IllegalArgumentException("l2 is negative: " + l2);
            if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("momentum must be in [0, 1): " + momentum);
        }

        /** Plain gradient descent with an intercept and no penalty. */
        public static Settings plain(int iterations, double learningRate) {
            return new Settings(iterations, learningRate, 0, 0, false, true);
        }
    }

    private GradientDescent() {
    }

    public static Model fit(DesignMatrix x, double[] y, Loss loss, Settings s) {
        DenseMatrix.checkLength("y", y, x.rows());
        int n = x.rows();
        int d = x.cols();
        double[] w = new double[d];
        double[] vw = new double[d];
        double b = 0;
        double vb = 0;
        double[] at = new double[d];
        for (int it = 0; it < s.iterations(); it++) {
            double look = s.nesterov() ? s.momentum() : 0;
            for (int j = 0; j < d; j++) at[j] = w[j] + look * vw[j];
            double bAt = b + look * vb;
            double[] r = x.times(at);
            double rsum = 0;
            for (int i = 0; i < n; i++) {
                double z = r[i] + bAt;
                r[i] = (loss == Loss.LOGISTIC ? sigmoid(z) : z) - y[i];
                rsum += r[i];
            }
            double[] g = x.transposeTimes(r);
            for (int j = 0; j < d; j++) {
                vw[j] = s.momentum() * vw[j] - s.learningRate() * (g[j] / n + s.l2() * at[j]);
                w[j] += vw[j];
            }
            if (s.intercept()) {
                vb = s.momentum() * vb - s.learningRate() * rsum / n;
                b += vb;
            }
        }
        return new Model(w, b);
    }

    /** The objective {@code fit} minimizes, at {@code m}. */
    public static double objective(DesignMatrix x, double[] y, Loss loss, double l2, Model m) {
        double[] z = m.scores(x);
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            if (loss == Loss.LOGISTIC) {
                // log(1 + e^z) - y z, written to stay finite for large |z|
                sum += Math.max(z[i], 0) + Math.log1p(Math.exp(-Math.abs(z[i]))) - y[i] * z[i];
            } else {
                double e = z[i] - y[i];
                sum += e * e / 2;
            }
        }
        double pen = 0;
        for (double v : m.weights()) pen += v * v;
        return sum / z.length + l2 * pen / 2;
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
}
