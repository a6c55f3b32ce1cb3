package io.meshfl.core.data;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A sum of doubles kept exactly (Shewchuk's non-overlapping partials, as Python's {@code math.fsum}) and
 * rounded once when read, so that the result does not depend on the order of the additions: a
 * column's mean is the same whether one pass adds its rows in file order or partitions add theirs
 * and are merged. Finite values only.
 */
public final class ExactSum implements Serializable {

    private double[] partials = new double[4];
    private int size;

    public void add(double x) {
        int i = 0;
        for (int k = 0; k < size; k++) {
            double y = partials[k];
            if (Math.abs(x) < Math.abs(y)) {
                double t = x;
                x = y;
                y = t;
            }
            double hi = x + y;
            double lo = y - (hi - x);
            if (lo != 0.0) partials[i++] = lo;
            x = hi;
        }
        if (i == partials.length) partials = Arrays.copyOf(partials, i * 2);
        partials[i++] = x;
        size = i;
    }

    /** Adds everything {@code other} holds (exactly). */
    public void add(ExactSum other) {
        for (int k = 0; k < other.size; k++) add(other.partials[k]);
    }

    /** The exact sum, correctly rounded to a double. */
    public double value() {
        int n = size;
        if (n == 0) return 0.0;
        double hi = partials[--n];
        double lo = 0.0;
        while (n > 0) {
            double x = hi;
            double y = partials[--n];
            hi = x + y;
            double yr = hi - x;
            lo = y - yr;
            if (lo != 0.0) break;
        }
        // round half to even across the remaining partials, as fsum does
        if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
            double y = lo * 2;
            double x = hi + y;
            double yr = x - hi;
            if (y == yr) hi = x;
        }
        return hi;
    }

    /** Adds each of {@code from} to the sum at the same place of {@code into} (exactly). */
    public static void addAll(ExactSum[] into, ExactSum[] from) {
        for (int j = 0; j < into.length; j++) into[j].add(from[j]);
    }

    /** One exact sum per column. */
    public static ExactSum[] of(int columns) {
        ExactSum[] s = new ExactSum[columns];
        for (int j = 0; j < columns; j++) s[j] = new ExactSum();
        return s;
    }
}
