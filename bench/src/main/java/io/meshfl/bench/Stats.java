package io.meshfl.bench;

import java.util.Arrays;
import java.util.List;

/** Order statistics over a handful of timings. */
final class Stats {

    private Stats() {
    }

    static double median(List<Double> xs) {
        double[] s = sorted(xs);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    /** Nearest-rank percentile: the smallest value with at least {@code p} percent of the values at or below it. */
    static double percentile(List<Double> xs, double p) {
        double[] s = sorted(xs);
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }

    static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    static double min(List<Double> xs) {
        return sorted(xs)[0];
    }

    static double max(List<Double> xs) {
        double[] s = sorted(xs);
        return s[s.length - 1];
    }

    private static double[] sorted(List<Double> xs) {
        if (xs.isEmpty()) throw new IllegalArgumentException("no values");
        double[] s = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        return s;
    }
}
