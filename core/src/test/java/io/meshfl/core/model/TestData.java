package io.meshfl.core.model;

import io.meshfl.core.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/** Synthetic datasets for model tests. */
final class TestData {

    private TestData() {
    }

    static List<String> names(int d) {
        List<String> names = new ArrayList<>();
        for (int j = 0; j < d; j++) names.add("f" + j);
        return names;
    }

    /** Standard-normal features with labels from {@code label} applied to each feature row. */
    static Dataset gaussian(int n, int d, Random rng, ToDoubleFunction<double[]> label) {
        double[] x = new double[n * d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double[] row = new double[d];
            for (int j = 0; j < d; j++) row[j] = rng.nextGaussian();
            System.arraycopy(row, 0, x, i * d, d);
            y[i] = label.applyAsDouble(row);
        }
        return new Dataset(names(d), x, y, null, n);
    }

    static int[] allRows(int n) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) rows[i] = i;
        return rows;
    }

    static int poisson(double lambda, Random rng) {
        double limit = Math.exp(-lambda);
        double p = rng.nextDouble();
        int k = 0;
        while (p > limit) {
            p *= rng.nextDouble();
            k++;
        }
        return k;
    }
}
