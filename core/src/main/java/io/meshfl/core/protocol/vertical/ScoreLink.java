package io.meshfl.core.protocol.vertical;

import io.meshfl.core.model.ModelSpec;

/** From a vertical model's summed scores to its predictions: the model type's inverse link. */
public final class ScoreLink {

    private ScoreLink() {
    }

    /** Predictions of {@code u} ({@code k} scores per row): probabilities, expected counts or values. */
    public static double[] apply(ModelSpec.Type type, double[] u, int k) {
        double[] pred = new double[u.length];
        for (int i = 0; i < u.length; i++) {
            pred[i] = switch (type) {
                case LOGISTIC -> 1 / (1 + Math.exp(-u[i]));
                case POISSON -> Math.exp(Math.min(30, u[i]));
                default -> u[i];
            };
        }
        if (type == ModelSpec.Type.SOFTMAX) {
            for (int i = 0; i < u.length / k; i++) io.meshfl.core.model.nn.Losses.softmax(u, i * k, k, pred, i * k);
        }
        return pred;
    }
}
