package io.meshfl.core.data;

import java.util.Random;

/** Poisson counts for generated data (the demo's products, tests' count targets). */
public final class Poisson {

    private Poisson() {
    }

    /** A count of mean {@code mean}: Knuth's product of uniforms, exact for the small means generated data uses. */
    public static int draw(Random rnd, double mean) {
        double l = Math.exp(-mean), p = 1;
        int k = 0;
        do {
            k++;
            p *= rnd.nextDouble();
        } while (p > l);
        return k - 1;
    }
}
