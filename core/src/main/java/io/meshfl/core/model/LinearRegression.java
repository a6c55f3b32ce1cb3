package io.meshfl.core.model;

/**
 * Least-squares linear regression. Parameters: {@code d} weights then the bias. Loss per row:
 * {@code 0.5 * (prediction - y)^2}.
 */
public final class LinearRegression extends SingleOutputLinearModel {

    public LinearRegression(ModelSpec spec, int inputs) {
        super(spec, inputs);
    }

    @Override
    double loss(double eta, double y, double[] dEta) {
        double e = eta - y;
        dEta[0] = e;
        return 0.5 * e * e;
    }

    @Override
    double mean(double eta) {
        return eta;
    }
}
