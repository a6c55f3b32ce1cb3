package io.meshfl.core.model;

/**
 * Binary logistic regression. Parameters: {@code d} weights then the bias. Loss: binary
 * cross-entropy computed from the logit through a stable log-sigmoid; predictions are P(y = 1).
 */
public final class LogisticRegression extends SingleOutputLinearModel {

    public LogisticRegression(ModelSpec spec, int inputs) {
        super(spec, inputs);
    }

    @Override
    double loss(double eta, double y, double[] dEta) {
        dEta[0] = sigmoid(eta) - y;
        return softplus(eta) - y * eta;
    }

    @Override
    double mean(double eta) {
        return sigmoid(eta);
    }

    /** 1 / (1 + e^-z) without overflow for large |z|. */
    static double sigmoid(double z) {
        if (z >= 0) return 1.0 / (1.0 + Math.exp(-z));
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    /** log(1 + e^z) = -log sigmoid(-z), exact for large |z| where the naive form overflows. */
    static double softplus(double z) {
        return Math.max(z, 0.0) + Math.log1p(Math.exp(-Math.abs(z)));
    }
}
