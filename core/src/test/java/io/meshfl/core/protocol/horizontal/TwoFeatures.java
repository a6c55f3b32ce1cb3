package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.data.Dataset;

import java.util.List;
import java.util.Random;

/** Seeded rows of two Gaussian features and a logistic label, for round-loop tests without files. */
public final class TwoFeatures {

    private TwoFeatures() {
    }

    public static Dataset data(int rows, long seed) {
        Random r = new Random(seed);
        double[] x = new double[rows * 2];
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            x[2 * i] = r.nextGaussian();
            x[2 * i + 1] = r.nextGaussian();
            y[i] = r.nextDouble() < 1 / (1 + Math.exp(-(2 * x[2 * i] - x[2 * i + 1]))) ? 1 : 0;
        }
        return new Dataset(List.of("a", "b"), x, y, null, rows);
    }
}
