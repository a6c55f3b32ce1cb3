package io.meshfl.core.plan.cost;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Predicts the seconds of materialized and factorized training from a {@link Workload} and a few
 * constants of the machine, and picks the cheaper one. The constants are fitted by least squares
 * to measured runs (a calibration grid first, then the run log), so the estimator improves with
 * history; {@link #morpheusRule} is the fixed rule it has to beat.
 *
 * <p>Materialized: building T costs {@code join} per target cell once, then every iteration
 * {@code dense} per target cell (T w and T^T r). Factorized: every iteration {@code dense} per
 * source cell plus {@code index} per target row and joined source (the gather and scatter through
 * the foreign keys). Both pay {@code row} per target row and iteration (the loss and its gradient).
 *
 * @param dense seconds per cell touched by one product (a multiply-add, both directions)
 * @param join  seconds per cell of building the joined table
 * @param index seconds per target row and joined source, per iteration, of gather and scatter
 * @param row   seconds per target row and iteration of the work both plans share
 * @param encrypted seconds per row and model coefficient of one pass of encrypted vertical
 *                  training with 1024-bit Paillier keys (the federated strategies; larger keys
 *                  cost about the square of the size ratio)
 */
public record CostModel(double dense, double join, double index, double row, double encrypted) {

    /**
     * Seconds per row and coefficient of one vertical epoch with 1024-bit keys on the reference
     * machine: 120.8 s for 100,000 rows x (30 + 300) features, 2026-12-07 (docs/benchmarks.md).
     */
    public static final double REFERENCE_ENCRYPTED = 120.8 / (100_000.0 * 331);

    /** Constants of the pooled strategies, with the reference machine's encrypted cost. */
    public CostModel(double dense, double join, double index, double row) {
        this(dense, join, index, row, REFERENCE_ENCRYPTED);
    }

    /** These constants with a measured encrypted cost. */
    public CostModel withEncrypted(double secondsPerRowCoefficient) {
        return new CostModel(dense, join, index, row, secondsPerRowCoefficient);
    }

    /** Seconds of one pass of encrypted vertical work over {@code rows} x {@code coefficients} with {@code keyBits}-bit keys. */
    public double encryptedSeconds(long rows, int coefficients, int keyBits) {
        double scale = (keyBits / 1024.0) * (keyBits / 1024.0);
        return rows * (double) coefficients * encrypted * scale;
    }

    private static final int K = 4;

    /**
     * A measured training run: its workload and the seconds each strategy took; NaN for a strategy
     * that did not run (a run from the log measured only the one the planner chose).
     */
    public record Sample(Workload workload, double materializedSeconds, double factorizedSeconds) {
        public String best() {
            return factorizedSeconds < materializedSeconds ? FACTORIZED : MATERIALIZED;
        }

        /** Both strategies measured, so the sample says which was best. */
        public boolean complete() {
            return !Double.isNaN(materializedSeconds) && !Double.isNaN(factorizedSeconds);
        }

        /** A sample of one run of {@code strategy} taking {@code seconds}. */
        public static Sample of(Workload w, String strategy, double seconds) {
            return strategy.equals(FACTORIZED) ? new Sample(w, Double.NaN, seconds) : new Sample(w, seconds, Double.NaN);
        }
    }

    /**
     * Constants of {@code meshfl calibrate} on the reference machine (2-CPU AMD EPYC, Java 17; the
     * median of three idle runs on 2026-12-06, the grid trained as jobs train: standardized columns,
     * Nesterov momentum), used until a machine has measured its own.
     */
    public static final CostModel REFERENCE = new CostModel(1.10e-9, 1.61e-7, 0, 2.02e-8);

    public static final String MATERIALIZED = "materialized";
    public static final String FACTORIZED = "factorized";

    public double materializedSeconds(Workload w) {
        return dot(materializedTerms(w));
    }

    public double factorizedSeconds(Workload w) {
        return dot(factorizedTerms(w));
    }

    /** What each constant multiplies in the materialized time, in the order dense, join, index, row. */
    private static double[] materializedTerms(Workload w) {
        double it = w.iterations();
        return new double[]{it * w.targetCells(), w.targetCells(), 0, it * w.n0()};
    }

    private static double[] factorizedTerms(Workload w) {
        double it = w.iterations();
        return new double[]{it * w.sourceCells(), 0, it * (double) w.n0() * w.sources(), it * w.n0()};
    }

    private double dot(double[] terms) {
        return dense * terms[0] + join * terms[1] + index * terms[2] + row * terms[3];
    }

    /** The predicted seconds of each strategy. */
    public Map<String, Double> predict(Workload w) {
        return Map.of(MATERIALIZED, materializedSeconds(w), FACTORIZED, factorizedSeconds(w));
    }

    public String choose(Workload w) {
        return factorizedSeconds(w) < materializedSeconds(w) ? FACTORIZED : MATERIALIZED;
    }

    /** The Morpheus heuristic: factorize when the tuple ratio exceeds 5 and the feature ratio exceeds 1. */
    public static String morpheusRule(Workload w) {
        return w.tupleRatio() > 5 && w.featureRatio() > 1 ? FACTORIZED : MATERIALIZED;
    }

    /**
     * Least-squares constants from measured runs. Each sample gives two equations, one per
     * strategy, weighted by 1/seconds so that small and large cells count alike (relative error).
     */
    public static CostModel fit(List<Sample> samples) {
        if (samples.isEmpty()) throw new IllegalArgumentException("fitting the cost model needs at least one measured run");
        double[][] a = new double[K][K];
        double[] b = new double[K];
        for (Sample s : samples) {
            add(a, b, materializedTerms(s.workload()), s.materializedSeconds());
            add(a, b, factorizedTerms(s.workload()), s.factorizedSeconds());
        }
        double[] x = solveNonNegative(a, b);
        return new CostModel(x[0], x[1], x[2], x[3]);
    }

    /** Share of samples where the model's choice is the measured best. */
    public double decisionAccuracy(List<Sample> samples) {
        int right = 0, n = 0;
        for (Sample s : samples) {
            if (!s.complete()) continue;
            n++;
            if (choose(s.workload()).equals(s.best())) right++;
        }
        return n == 0 ? Double.NaN : (double) right / n;
    }

    /** Share of samples where the Morpheus rule's choice is the measured best. */
    public static double ruleAccuracy(List<Sample> samples) {
        int right = 0, n = 0;
        for (Sample s : samples) {
            if (!s.complete()) continue;
            n++;
            if (morpheusRule(s.workload()).equals(s.best())) right++;
        }
        return n == 0 ? Double.NaN : (double) right / n;
    }

    /**
     * Decision accuracy when every complete sample is predicted by a model fitted to all the
     * others: an honest estimate of how the estimator does on a workload it has not seen.
     */
    public static double leaveOneOutAccuracy(List<Sample> samples) {
        if (samples.size() < 2) throw new IllegalArgumentException("leave-one-out needs at least two samples");
        int right = 0, n = 0;
        for (int i = 0; i < samples.size(); i++) {
            if (!samples.get(i).complete()) continue;
            List<Sample> rest = new ArrayList<>(samples);
            Sample held = rest.remove(i);
            n++;
            if (fit(rest).choose(held.workload()).equals(held.best())) right++;
        }
        return n == 0 ? Double.NaN : (double) right / n;
    }

    private static void add(double[][] a, double[] b, double[] row, double seconds) {
        if (Double.isNaN(seconds)) return; // that strategy did not run
        if (!(seconds > 0)) throw new IllegalArgumentException("measured seconds must be > 0, got " + seconds);
        double wgt = 1 / (seconds * seconds);
        for (int i = 0; i < K; i++) {
            b[i] += wgt * row[i] * seconds;
            for (int j = 0; j < K; j++) a[i][j] += wgt * row[i] * row[j];
        }
    }

    /**
     * Solves the normal equations, dropping the most negative constant (a cost cannot be
     * negative) and solving again without it until none is: an active-set pass that suffices for
     * four unknowns.
     */
    static double[] solveNonNegative(double[][] a, double[] b) {
        boolean[] free = new boolean[K];
        java.util.Arrays.fill(free, true);
        for (int round = 0; round < K; round++) {
            double[] x = solve(a, b, free);
            int worst = -1;
            for (int i = 0; i < K; i++) if (free[i] && x[i] < 0 && (worst < 0 || x[i] < x[worst])) worst = i;
            if (worst < 0) return x;
            free[worst] = false;
        }
        return new double[K];
    }

    private static double[] solve(double[][] a, double[] b, boolean[] free) {
        int[] idx = java.util.stream.IntStream.range(0, K).filter(i -> free[i] && a[i][i] > 0).toArray();
        int m = idx.length;
        double[][] s = new double[m][m + 1];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) s[i][j] = a[idx[i]][idx[j]];
            s[i][m] = b[idx[i]];
        }
        for (int c = 0; c < m; c++) {
            int p = c;
            for (int r = c + 1; r < m; r++) if (Math.abs(s[r][c]) > Math.abs(s[p][c])) p = r;
            double[] t = s[c];
            s[c] = s[p];
            s[p] = t;
            for (int r = 0; r < m; r++) {
                if (r == c || s[c][c] == 0) continue;
                double f = s[r][c] / s[c][c];
                for (int k = c; k <= m; k++) s[r][k] -= f * s[c][k];
            }
        }
        double[] x = new double[K];
        for (int i = 0; i < m; i++) x[idx[i]] = s[i][i] == 0 ? 0 : s[i][m] / s[i][i];
        return x;
    }
}
