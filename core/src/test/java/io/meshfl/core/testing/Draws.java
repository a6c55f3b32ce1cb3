package io.meshfl.core.testing;

import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.model.ModelSpec;

import java.util.Random;

/** Random targets of the kinds tests need, and the yardsticks they are measured against. */
public final class Draws {

    private Draws() {
    }

    /** A Poisson count of mean {@code mean} (Knuth's product of uniforms; for the small means tests use). */
    public static int poisson(double mean, Random rnd) {
        double l = Math.exp(-mean), p = 1;
        int k = 0;
        do {
            k++;
            p *= rnd.nextDouble();
        } while (p > l);
        return k - 1;
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
