package io.meshfl.bench;

import io.meshfl.core.protocol.horizontal.Aggregation;
import io.meshfl.core.protocol.horizontal.FitResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Aggregating {@value #UPDATES} updates of {@value #PARAMS} parameters: the core's FedAvg,
 * FedMedian, trimmed mean, Krum and Multi-Krum next to plain loops that do the same arithmetic with nothing
 * around it (the floors), plus two reference variants that show what a different loop order
 * or algorithm would buy. The floors are checked against the core in {@link #agree}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AggregationBenchmark {

    public static final int UPDATES = 100;
    public static final int PARAMS = 1_000_000;
    public static final double TRIM_BETA = 0.1;
    /** Krum's assumed Byzantine count: 20% of the updates, well inside k &gt; 2f + 2. */
    public static final int KRUM_F = 20;
    /** Coordinates per block in the blocked FedAvg: 16 KB of output stays in L1 across all updates. */
    static final int BLOCK = 2048;

    double[][] params;
    long[] examples;
    List<FitResult> results;

    @Setup(Level.Trial)
    public void setUp() {
        setUp(UPDATES, PARAMS, 42);
    }

    void setUp(int updates, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] base = new double[n];
        for (int i = 0; i < n; i++) base[i] = rng.nextDouble(-1, 1);
        params = new double[updates][n];
        examples = new long[updates];
        results = new ArrayList<>(updates);
        for (int k = 0; k < updates; k++) {
            examples[k] = 50 + rng.nextInt(200);
            double[] p = params[k];
            // nodes start from the same global model and drift a little: like real updates, values are close but unordered
            for (int i = 0; i < n; i++) p[i] = base[i] + 0.01 * rng.nextDouble(-1, 1);
            results.add(new FitResult("node" + k, p, examples[k], Map.of()));
        }
    }

    // ------------------------------------------------------------------ FedAvg

    @Benchmark
    public double[] fedAvg() {
        return Aggregation.weightedMean(results);
    }

    /** The floor: one pass per update, out[i] += w * p[i]. */
    @Benchmark
    public double[] fedAvgFloor() {
        double[] w = weights();
        int n = params[0].length;
        double[] out = new double[n];
        for (int k = 0; k < params.length; k++) {
            double wk = w[k];
            double[] p = params[k];
            for (int i = 0; i < n; i++) out[i] += wk * p[i];
        }
        return out;
    }

    /** Reference: the same sums in blocks of coordinates, so the output is read and written once from memory, not once per update. */
    @Benchmark
    public double[] fedAvgBlocked() {
        double[] w = weights();
        int n = params[0].length;
        double[] out = new double[n];
        for (int b = 0; b < n; b += BLOCK) {
            int e = Math.min(n, b + BLOCK);
            for (int k = 0; k < params.length; k++) {
                double wk = w[k];
                double[] p = params[k];
                for (int i = b; i < e; i++) out[i] += wk * p[i];
            }
        }
        return out;
    }

    private double[] weights() {
        double total = 0;
        for (long e : examples) total += e;
        double[] w = new double[examples.length];
        for (int k = 0; k < w.length; k++) w[k] = examples[k] / total;
        return w;
    }

    // --------------------------------------------------------------- FedMedian

    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 4, time = 1)
    public double[] median() {
        return Aggregation.median(results);
    }

    /** The previous version: gather each coordinate's values, sort them, take the middle. */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 4, time = 1)
    public double[] medianFloor() {
        int k = params.length;
        int n = params[0].length;
        double[] out = new double[n];
        double[] col = new double[k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) col[j] = params[j][i];
            Arrays.sort(col);
            out[i] = (k % 2 == 1) ? col[k / 2] : 0.5 * (col[k / 2 - 1] + col[k / 2]);
        }
        return out;
    }

    /** The floor: gather each coordinate's values and select the median (expected linear time), here in the benchmark. */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 4, time = 1)
    public double[] medianSelect() {
        int k = params.length;
        int n = params[0].length;
        double[] out = new double[n];
        double[] col = new double[k];
        int m = k / 2;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) col[j] = params[j][i];
            select(col, m);
            if (k % 2 == 1) {
                out[i] = col[m];
            } else {
                double lower = col[0];
                for (int j = 1; j < m; j++) lower = Math.max(lower, col[j]);
                out[i] = 0.5 * (lower + col[m]);
            }
        }
        return out;
    }

    /** Hoare selection: afterwards a[m] is the m-th smallest, nothing before it is larger, nothing after it smaller. */
    static void select(double[] a, int m) {
        int lo = 0;
        int hi = a.length - 1;
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < a[lo]) swap(a, lo, mid);
            if (a[hi] < a[lo]) swap(a, lo, hi);
            if (a[hi] < a[mid]) swap(a, mid, hi);
            double pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    swap(a, i, j);
                    i++;
                    j--;
                }
            }
            if (m <= j) {
                hi = j;
            } else if (m >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    // ------------------------------------------------------------ trimmed mean

    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 4, time = 1)
    public double[] trimmedMean() {
        return Aggregation.trimmedMean(results, TRIM_BETA);
    }

    /** The floor: gather, two selections (the values below the cut, then those above the middle), average the middle values. */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 4, time = 1)
    public double[] trimmedMeanSelect() {
        int k = params.length;
        int n = params[0].length;
        int cut = (int) Math.floor(TRIM_BETA * k);
        double[] out = new double[n];
        double[] col = new double[k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) col[j] = params[j][i];
            double[] tail = col;
            select(tail, cut);
            double[] rest = Arrays.copyOfRange(col, cut, k);
            select(rest, k - 2 * cut - 1);
            double s = 0;
            for (int j = 0; j < k - 2 * cut; j++) s += rest[j];
            out[i] = s / (k - 2 * cut);
        }
        return out;
    }

    /** The previous version: gather, sort, average the middle values. */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 4, time = 1)
    public double[] trimmedMeanFloor() {
        int k = params.length;
        int n = params[0].length;
        int cut = (int) Math.floor(TRIM_BETA * k);
        double[] out = new double[n];
        double[] col = new double[k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) col[j] = params[j][i];
            Arrays.sort(col);
            double s = 0;
            for (int j = cut; j < k - cut; j++) s += col[j];
            out[i] = s / (k - 2 * cut);
        }
        return out;
    }

    // ------------------------------------------------------------ Krum, Multi-Krum

    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 4, time = 1)
    public double[] krum() {
        return Aggregation.krum(results, KRUM_F);
    }

    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 4, time = 1)
    public double[] multiKrum() {
        return Aggregation.multiKrum(results, KRUM_F, params.length - KRUM_F);
    }

    /** The floor: one pass over both updates for every pair, then each update's nearest k - f - 2 summed, the lowest kept. */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 4, time = 1)
    public double[] krumFloor() {
        return params[krumFloorOrder()[0]].clone();
    }

    /** Multi-Krum on the floor's ranking: the plain mean of the k - f best. */
    double[] multiKrumFloor() {
        int[] order = krumFloorOrder();
        int m = params.length - KRUM_F;
        int n = params[0].length;
        double[] out = new double[n];
        for (int j = 0; j < m; j++) {
            double[] p = params[order[j]];
            for (int i = 0; i < n; i++) out[i] += p[i];
        }
        for (int i = 0; i < n; i++) out[i] /= m;
        return out;
    }

    private int[] krumFloorOrder() {
        int k = params.length;
        int n = params[0].length;
        double[][] d = new double[k][k];
        for (int a = 0; a < k; a++) {
            for (int b = a + 1; b < k; b++) {
                double[] x = params[a];
                double[] y = params[b];
                double s = 0;
                for (int i = 0; i < n; i++) {
                    double t = x[i] - y[i];
                    s += t * t;
                }
                d[a][b] = s;
                d[b][a] = s;
            }
        }
        double[] score = new double[k];
        double[] row = new double[k - 1];
        for (int a = 0; a < k; a++) {
            int r = 0;
            for (int b = 0; b < k; b++) if (b != a) row[r++] = d[a][b];
            Arrays.sort(row);
            for (int j = 0; j < k - KRUM_F - 2; j++) score[a] += row[j];
        }
        return java.util.stream.IntStream.range(0, k).boxed()
                .sorted((a, b) -> score[a] != score[b] ? Double.compare(score[a], score[b]) : Integer.compare(a, b))
                .mapToInt(Integer::intValue).toArray();
    }

    /**
     * Checks on a small case that every floor and reference computes what the core computes, so
     * the comparison is between equal work. Returns the largest difference seen.
     */
    static double agree() {
        AggregationBenchmark b = new AggregationBenchmark();
        double worst = 0;
        for (int updates : new int[]{UPDATES, 7}) {
            b.setUp(updates, 20_000, 7 + updates);
            worst = Math.max(worst, maxDiff(b.fedAvg(), b.fedAvgFloor()));
            worst = Math.max(worst, maxDiff(b.fedAvg(), b.fedAvgBlocked()));
            worst = Math.max(worst, maxDiff(b.median(), b.medianFloor()));
            worst = Math.max(worst, maxDiff(b.median(), b.medianSelect()));
            worst = Math.max(worst, maxDiff(b.trimmedMean(), b.trimmedMeanFloor()));
            worst = Math.max(worst, maxDiff(b.trimmedMean(), b.trimmedMeanSelect()));
            worst = Math.max(worst, maxDiff(b.median(), b.medianSelect()));
            if (updates > 2 * KRUM_F + 2) {
                worst = Math.max(worst, maxDiff(b.krum(), b.krumFloor()));
                worst = Math.max(worst, maxDiff(b.multiKrum(), b.multiKrumFloor()));
            }
        }
        if (worst > 1e-12) throw new IllegalStateException("a floor disagrees with the core by " + worst);
        return worst;
    }

    private static double maxDiff(double[] a, double[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }
}
