package io.meshfl.core.protocol.factorized;

import io.meshfl.core.integration.Cardinality;
import io.meshfl.core.integration.ColumnRef;
import io.meshfl.core.integration.JoinPlan;
import io.meshfl.core.integration.JoinStep;
import io.meshfl.core.integration.Relationship;
import io.meshfl.core.plan.cost.CostModel;
import io.meshfl.core.plan.cost.Workload;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Times factorized against materialized training on generated star schemas (one fact source,
 * one dimension joined many-to-one), so that a machine can measure the constants of its cost
 * model once, and the factorized benchmark can chart the same measurements.
 */
public final class Calibration {

    /** One cell: its shape, the best-of-repeats seconds of each plan, and the two models (which must agree). */
    public record Timing(int n0, int d0, int nk, int dk, int iterations, double factorizedSeconds, double materializedSeconds,
                         double buildSeconds, Model factorized, Model materialized) {

        public CostModel.Sample sample() {
            return new CostModel.Sample(new Workload(n0, d0, nk, dk, 1, iterations), materializedSeconds + buildSeconds, factorizedSeconds);
        }

        /** Largest difference between the two plans' weights and intercepts. */
        public double modelDifference() {
            double diff = Math.abs(factorized.intercept() - materialized.intercept());
            for (int j = 0; j < factorized.weights().length; j++) {
                diff = Math.max(diff, Math.abs(factorized.weights()[j] - materialized.weights()[j]));
            }
            return diff;
        }
    }

    private Calibration() {
    }

    /** Logistic regression by gradient descent on a fact source of {@code tupleRatio * nk} rows x {@code d0} and a dimension of {@code nk} x {@code featureRatio * d0}. */
    public static Timing measure(int nk, int d0, int tupleRatio, double featureRatio, GradientDescent.Settings settings, int repeats,
                                 long seed) {
        return measure(nk, d0, tupleRatio, featureRatio, settings, repeats, seed, false);
    }

    /**
     * As {@link #measure(int, int, int, double, GradientDescent.Settings, int, long)}; {@code asJobs}:
     * both plans train on standardized columns (the view a job's training takes of its table), so the
     * constants price what a job runs.
     */
    public static Timing measure(int nk, int d0, int tupleRatio, double featureRatio, GradientDescent.Settings settings, int repeats,
                                 long seed, boolean asJobs) {
        Random rnd = new Random(seed + 31L * tupleRatio + (long) (10 * featureRatio));
        int n0 = tupleRatio * nk;
        int dk = Math.max(1, (int) Math.round(featureRatio * d0));
        Source fact = Source.contiguous("fact", n0, d0, gaussian(rnd, n0 * d0), 0);
        Source dim = Source.contiguous("dim", nk, dk, gaussian(rnd, nk * dk), d0);
        int[] fk = foreignKey(rnd, n0, nk);
        NormalizedMatrix t = NormalizedMatrix.of(d0 + dk, fact, new Join(dim, fk));
        double[] y = labels(t, rnd);
        // The materialized plan builds its table as a job does: an SQL join in the embedded engine.
        String[] factKeys = new String[n0];
        for (int i = 0; i < n0; i++) factKeys[i] = "k" + fk[i];
        String[] dimKeys = new String[nk];
        for (int i = 0; i < nk; i++) dimKeys[i] = "k" + i;
        int[] factTargets = new int[d0];
        for (int j = 0; j < d0; j++) factTargets[j] = j;
        int[] dimTargets = new int[dk];
        for (int j = 0; j < dk; j++) dimTargets[j] = d0 + j;
        Map<String, EngineJoin.Table> tables = Map.of(
                "fact", new EngineJoin.Table("fact", n0, d0, fact.data(), factTargets, Map.of("fk", factKeys)),
                "dim", new EngineJoin.Table("dim", nk, dk, dim.data(), dimTargets, Map.of("id", dimKeys)));
        Relationship rel = new Relationship("fact-dim", new ColumnRef("fact", "fk"), new ColumnRef("dim", "id"), Cardinality.MANY_TO_ONE);
        JoinPlan plan = new JoinPlan("fact", List.of(new JoinStep(rel, rel.from(), rel.to())), List.of());
        double fac = Double.MAX_VALUE, mat = Double.MAX_VALUE, build = Double.MAX_VALUE;
        Model fm = null, mm = null;
        for (int r = 0; r < repeats; r++) {
            long a = System.nanoTime();
            fm = GradientDescent.fit(asJobs ? Standardized.of(t) : t, y, GradientDescent.Loss.LOGISTIC, settings);
            long b = System.nanoTime();
            DenseMatrix dense = EngineJoin.materialize(plan, tables, d0 + dk);
            long c = System.nanoTime();
            mm = GradientDescent.fit(asJobs ? Standardized.of(dense) : dense, y, GradientDescent.Loss.LOGISTIC, settings);
            long d = System.nanoTime();
            fac = Math.min(fac, (b - a) / 1e9);
            build = Math.min(build, (c - b) / 1e9);
            mat = Math.min(mat, (d - c) / 1e9);
        }
        return new Timing(n0, d0, nk, dk, settings.iterations(), fac, mat, build, fm, mm);
    }

    /**
     * Samples of a grid of tuple and feature ratios, after a warm-up so the first cell does not pay
     * for the JIT, trained as jobs train (standardized columns, Nesterov momentum).
     */
    public static List<CostModel.Sample> grid(int nk, int d0, int[] tupleRatios, double[] featureRatios, int iterations, int repeats,
                                              long seed) {
        GradientDescent.Settings s = new GradientDescent.Settings(iterations, 0.1, 0, 0.9, true, true);
        for (int i = 0; i < 2; i++) measure(nk, d0, 5, 2, s, 1, seed, true);
        List<CostModel.Sample> out = new ArrayList<>();
        for (int tr : tupleRatios) for (double fr : featureRatios) out.add(measure(nk, d0, tr, fr, s, repeats, seed, true).sample());
        return out;
    }

    static double[] gaussian(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextGaussian();
        return v;
    }

    /** Every dimension row used at least once; one-to-one (a permutation) at tuple ratio 1. */
    private static int[] foreignKey(Random rnd, int n0, int nk) {
        int[] fk = new int[n0];
        for (int i = 0; i < n0; i++) fk[i] = i < nk ? i : rnd.nextInt(nk);
        for (int i = n0 - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int x = fk[i];
            fk[i] = fk[j];
            fk[j] = x;
        }
        return fk;
    }

    private static double[] labels(NormalizedMatrix t, Random rnd) {
        double[] truth = gaussian(rnd, t.cols());
        double norm = 0;
        for (double v : truth) norm += v * v;
        for (int j = 0; j < truth.length; j++) truth[j] *= 2 / Math.sqrt(norm);
        double[] z = t.times(truth);
        double[] y = new double[z.length];
        for (int i = 0; i < y.length; i++) y[i] = rnd.nextDouble() < 1 / (1 + Math.exp(-z[i])) ? 1 : 0;
        return y;
    }
}
