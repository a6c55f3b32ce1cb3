package io.meshfl.core.model.nn;

import io.meshfl.core.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Synthetic inputs and gradient-check helpers for the network tests. */
final class NnTestData {

    private NnTestData() {
    }

    static Dataset table(double[] x, int rows) {
        int d = x.length / rows;
        List<String> names = new ArrayList<>();
        for (int j = 0; j < d; j++) names.add("f" + j);
        return new Dataset(names, x, null, null, rows);
    }

    static double[] gaussian(int n, Random rng) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = rng.nextGaussian();
        return a;
    }

    static int[] allRows(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    /** {@code ||a - b|| / (||a|| + ||b||)}, the usual gradient-check error; fails if both are zero. */
    static double relativeError(double[] a, double[] b) {
        double diff = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        if (na == 0 && nb == 0) throw new AssertionError("both gradients are identically zero");
        return Math.sqrt(diff) / (Math.sqrt(na) + Math.sqrt(nb));
    }

    /** Central difference of {@code f} at every index of {@code v} (restored afterwards). */
    static double[] numericGradient(double[] v, java.util.function.DoubleSupplier f) {
        double[] g = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double old = v[i];
            double h = 1e-5 * Math.max(1.0, Math.abs(old));
            v[i] = old + h;
            double up = f.getAsDouble();
            v[i] = old - h;
            double down = f.getAsDouble();
            v[i] = old;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }
}
