package io.meshfl.core.testing;

import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.model.ModelSpec;

/** The yardsticks tests measure count models against (counts themselves come from {@link io.meshfl.core.data.Poisson}). */
public final class Draws {

    private Draws() {
    }

    /** The Poisson deviance of predicting every row's mean count: what a count model must beat. */
    public static double constantDeviance(double[] y) {
        double m = 0;
        for (double v : y) m += v;
        double[] p = new double[y.length];
        java.util.Arrays.fill(p, m / y.length);
        return EvalSums.of(ModelSpec.Task.COUNT, p, y, 1).toMap().get("poisson_deviance");
    }
}
