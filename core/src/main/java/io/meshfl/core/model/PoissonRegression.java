package io.meshfl.core.model;

/**
 * Poisson regression with log link. Parameters: {@code d} weights then the bias. Loss per row:
 * {@code exp(eta) - y * eta} (negative log-likelihood without the constant log y! term).
 * Above {@link #MAX_ETA} the exponential is continued linearly, so loss and gradient stay finite
 * and consistent with each other instead of overflowing; predictions are {@code exp(min(eta, MAX_ETA))}.
 */
public final class PoissonRegression extends SingleOutputLinearModel {

    /** Linear predictor beyond which {@code exp} is linearised (e^30 is about 1e13). */
    public static final double MAX_ETA = 30.0;
    private static final double EXP_MAX = Math.exp(MAX_ETA);

    public PoissonRegression(ModelSpec spec, int inputs) {
        super(spec, inputs);
    }

    @Override
    double loss(double eta, double y, double[] dEta) {
        if (eta > MAX_ETA) {
            dEta[0] = EXP_MAX - y;
            return EXP_MAX * (1.0 + eta - MAX_ETA) - y * eta;
        }
        double mu = Math.exp(eta);
        dEta[0] = mu - y;
        return mu - y * eta;
    }

    @Override
    double mean(double eta) {
        return Math.exp(Math.min(eta, MAX_ETA));
    }
}
