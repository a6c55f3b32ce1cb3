package io.meshfl.bench;

import io.meshfl.core.plan.cost.CostModel;
import io.meshfl.core.plan.cost.Workload;
import io.meshfl.core.protocol.factorized.Calibration;
import io.meshfl.core.protocol.factorized.GradientDescent.Settings;
import io.meshfl.core.protocol.factorized.NormalizedMatrix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Factorized against materialized logistic regression on a generated star schema (one fact
 * source of {@value #D0} columns, one dimension source of {@value #NK} rows), over a grid of tuple
 * ratios ({@code n_0 / n_k}) and feature ratios ({@code d_k / d_0}). Writes the speed-up surface,
 * the Morpheus rule's decisions against the measured best choice, and every cell's timings as CSV
 * (for fitting a cost estimator) into the {@code factorized} block of docs/benchmarks.md.
 */
public final class FactorizedBench {

    static final int NK = 20_000;
    static final int D0 = 20;
    static final int ITERATIONS = 20;
    static final int REPEATS = 3;
    static final long SEED = 23;
    static final double TOLERANCE = 0.10;
    static final int[] TUPLE_RATIOS = {1, 2, 5, 10, 20, 50};
    static final double[] FEATURE_RATIOS = {0.5, 1, 2, 5};

    /** One cell's shape and its best-of-{@value #REPEATS} seconds. */
    record Cell(int tupleRatio, double featureRatio, int n0, int dk, double factorizedTrain, double materializedTrain,
                double build, double link, double maxWeightDiff) {

        int cols() {
            return D0 + dk;
        }

        double speedupTrain() {
            return materializedTrain / factorizedTrain;
        }

        double speedupWithBuild() {
            return (materializedTrain + build) / factorizedTrain;
        }

        boolean morpheus() {
            return NormalizedMatrix.morpheusFactorizes(tupleRatio, featureRatio);
        }

        /** Whether the rule's choice trains within {@value #TOLERANCE} of the faster choice (its regret is small). */
        boolean morpheusWithinTolerance() {
            double chosen = morpheus() ? factorizedTrain : materializedTrain;
            return chosen <= (1 + TOLERANCE) * Math.min(factorizedTrain, materializedTrain);
        }
    }

    private FactorizedBench() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.plain(ITERATIONS, 0.1);
        // warm both paths up on a mid-sized cell so the first measured cell is not paying for the JIT
        for (int i = 0; i < 3; i++) measure(5, 2, settings, 1);

        List<Cell> cells = new ArrayList<>();
        for (int tr : TUPLE_RATIOS) {
            for (double fr : FEATURE_RATIOS) {
                Cell c = measure(tr, fr, settings, REPEATS);
                cells.add(c);
                System.out.printf(Locale.ROOT, "TR %2d FR %3.1f  n0 %,9d d %3d  factorized %.3f s  materialized %.3f s  build %.3f s  speed-up %.2fx (%.2fx with build)%n",
                        tr, fr, c.n0(), c.cols(), c.factorizedTrain(), c.materializedTrain(), c.build(), c.speedupTrain(), c.speedupWithBuild());
            }
        }
        String csv = csv(cells);
        Path csvPath = Path.of("bench/target/factorized-grid.csv");
        if (Files.isDirectory(csvPath.getParent())) Files.writeString(csvPath, csv);
        System.out.println(csv);
        String md = markdown(cells, csv);
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "factorized", md);
    }

    static Cell measure(int tupleRatio, double featureRatio, Settings settings, int repeats) {
        Calibration.Timing t = Calibration.measure(NK, D0, tupleRatio, featureRatio, settings, repeats, SEED);
        double[] y = new double[t.n0()];
        double link = linkSeconds(t.n0(), y, settings.iterations(), repeats);
        return new Cell(tupleRatio, featureRatio, t.n0(), t.dk(), t.factorizedSeconds(), t.materializedSeconds(), t.buildSeconds(), link,
                t.modelDifference());
    }

    /**
     * Seconds for the per-row work both plans share: the sigmoid and residual of every row in every
     * iteration, the same loop as {@code GradientDescent}. Factorization cannot shrink it, so it
     * bounds the speed-up from above together with the fact source's own products.
     */
    static double linkSeconds(int n0, double[] y, int iterations, int repeats) {
        double[] z = new double[n0];
        Random rnd = new Random(SEED);
        for (int i = 0; i < n0; i++) z[i] = rnd.nextGaussian();
        double best = Double.MAX_VALUE;
        double sink = 0;
        for (int r = 0; r < repeats; r++) {
            long a = System.nanoTime();
            for (int it = 0; it < iterations; it++) {
                double[] res = new double[n0];
                double sum = 0;
                for (int i = 0; i < n0; i++) {
                    double zi = z[i];
                    res[i] = (zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi))) - y[i];
                    sum += res[i];
                }
                sink += sum;
            }
            best = Math.min(best, (System.nanoTime() - a) / 1e9);
        }
        if (sink == 42) System.out.print("");
        return best;
    }

    static String csv(List<Cell> cells) {
        StringBuilder sb = new StringBuilder("tuple_ratio,feature_ratio,n0,nk,d0,dk,d,iterations,factorized_train_s,materialized_train_s,"
                + "build_s,link_s,speedup_train,speedup_with_build,morpheus_factorize,best_train,best_with_build\n");
        for (Cell c : cells) {
            sb.append(String.format(Locale.ROOT, "%d,%.1f,%d,%d,%d,%d,%d,%d,%.5f,%.5f,%.5f,%.5f,%.3f,%.3f,%s,%s,%s%n", c.tupleRatio(), c.featureRatio(),
                    c.n0(), NK, D0, c.dk(), c.cols(), ITERATIONS, c.factorizedTrain(), c.materializedTrain(), c.build(),
                    c.link(), c.speedupTrain(), c.speedupWithBuild(), c.morpheus() ? "F" : "M", c.speedupTrain() > 1 ? "F" : "M",
                    c.speedupWithBuild() > 1 ? "F" : "M"));
        }
        return sb.toString();
    }

    static String markdown(List<Cell> cells, String csv) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Star schema: fact source of n_0 = tuple ratio x %,d rows and %d columns, one dimension source of %,d rows "
                + "and feature ratio x %d columns, joined many-to-one by a random foreign key (one-to-one at tuple ratio 1). "
                + "%d full-batch gradient-descent iterations of logistic regression (`GradientDescent`, identical arithmetic on both), "
                + "one thread; best of %d runs per cell. Factorized = `NormalizedMatrix`; materialized = the table built by an SQL join in the embedded DuckDB (`EngineJoin`), as a materialized job builds it.%n%n",
                NK, D0, NK, D0, ITERATIONS, REPEATS));

        md.append("Speed-up of factorized over materialized, training only (training plus building T in brackets):\n\n");
        md.append("| tuple ratio \\ feature ratio |");
        for (double fr : FEATURE_RATIOS) md.append(String.format(Locale.ROOT, " %s |", fmt(fr)));
        md.append("\n|---:|");
        for (int i = 0; i < FEATURE_RATIOS.length; i++) md.append("---:|");
        md.append('\n');
        for (int tr : TUPLE_RATIOS) {
            md.append("| ").append(tr).append(" |");
            for (double fr : FEATURE_RATIOS) {
                Cell c = find(cells, tr, fr);
                md.append(String.format(Locale.ROOT, " %.2fx (%.2fx) |", c.speedupTrain(), c.speedupWithBuild()));
            }
            md.append('\n');
        }

        md.append("\nMorpheus' rule (factorize iff tuple ratio > 5 and feature ratio > 1) against the measured best choice, "
                + "as rule / best by training time / best by training plus build (F factorized, M materialized; * where the rule "
                + "disagrees with the training-time choice):\n\n");
        md.append("| tuple ratio \\ feature ratio |");
        for (double fr : FEATURE_RATIOS) md.append(String.format(Locale.ROOT, " %s |", fmt(fr)));
        md.append("\n|---:|");
        for (int i = 0; i < FEATURE_RATIOS.length; i++) md.append(":---:|");
        md.append('\n');
        int agreeTrain = 0;
        int agreeBuild = 0;
        int withinTolerance = 0;
        for (int tr : TUPLE_RATIOS) {
            md.append("| ").append(tr).append(" |");
            for (double fr : FEATURE_RATIOS) {
                Cell c = find(cells, tr, fr);
                boolean bestTrain = c.speedupTrain() > 1;
                boolean bestBuild = c.speedupWithBuild() > 1;
                if (bestTrain == c.morpheus()) agreeTrain++;
                if (bestBuild == c.morpheus()) agreeBuild++;
                if (c.morpheusWithinTolerance()) withinTolerance++;
                md.append(String.format(" %s / %s / %s%s |", fm(c.morpheus()), fm(bestTrain), fm(bestBuild), bestTrain == c.morpheus() ? "" : " *"));
            }
            md.append('\n');
        }
        md.append(String.format(Locale.ROOT, "%nRule's decision accuracy over the %d cells: %d/%d (%.0f%%) against training time, "
                + "%d/%d (%.0f%%) against training plus building T.%n", cells.size(), agreeTrain, cells.size(), 100.0 * agreeTrain / cells.size(),
                agreeBuild, cells.size(), 100.0 * agreeBuild / cells.size()));
        md.append(String.format(Locale.ROOT, "Counting a choice as right when it trains within %.0f%% of the faster one (many cells are close to 1x): "
                + "%d/%d (%.0f%%).%n", 100 * TOLERANCE, withinTolerance, cells.size(), 100.0 * withinTolerance / cells.size()));
        md.append(costModelSection(cells));
        md.append("Shared per-row work (sigmoid and residual, `link_s` in the CSV) and the fact source's own products are paid by both plans, "
                + "so at a fixed tuple ratio the speed-up cannot exceed about (d_0 + d_k) / d_0 = 1 + feature ratio.\n");
        double worst = 0;
        for (Cell c : cells) worst = Math.max(worst, c.maxWeightDiff());
        md.append(String.format(Locale.ROOT, "Largest difference between the factorized and materialized models' weights over the grid: %.1e.%n", worst));

        md.append("\n<details><summary>Per-cell seconds (CSV, for fitting a cost estimator; also written to bench/target/factorized-grid.csv)</summary>\n\n```csv\n");
        md.append(csv).append("```\n\n</details>\n");
        md.append('\n').append(Docs.stamp()).append('\n');
        return md.toString();
    }

    /**
     * The cost model fitted to this grid, judged against the measured best plan (training plus
     * building T for the materialized one): in-sample and leave-one-out decision accuracy, next
     * to the Morpheus rule on the same definition of best.
     */
    static String costModelSection(List<Cell> cells) {
        List<CostModel.Sample> samples = new ArrayList<>();
        for (Cell c : cells) {
            Workload w = new Workload(c.n0(), D0, NK, c.dk(), 1, ITERATIONS);
            samples.add(new CostModel.Sample(w, c.materializedTrain() + c.build(), c.factorizedTrain()));
        }
        CostModel fit = CostModel.fit(samples);
        return String.format(Locale.ROOT, "%nCost estimator (`core/plan/cost/CostModel`: seconds per cell touched, per cell joined, per "
                        + "target row gathered and scattered, per target row shared; fitted by least squares on relative error): "
                        + "dense %.3g s, join %.3g s, index %.3g s, row %.3g s. Decision accuracy against the measured best plan "
                        + "(training plus building T): **%.0f%% leave-one-out** (each cell predicted by constants fitted to the other "
                        + "%d), %.0f%% in sample; the Morpheus rule %.0f%% on the same cells.%n%n",
                fit.dense(), fit.join(), fit.index(), fit.row(), 100 * CostModel.leaveOneOutAccuracy(samples), samples.size() - 1,
                100 * fit.decisionAccuracy(samples), 100 * CostModel.ruleAccuracy(samples));
    }

    private static Cell find(List<Cell> cells, int tr, double fr) {
        for (Cell c : cells) if (c.tupleRatio() == tr && c.featureRatio() == fr) return c;
        throw new IllegalStateException("no cell " + tr + " x " + fr);
    }

    private static String fmt(double fr) {
        return fr == Math.rint(fr) ? String.valueOf((int) fr) : String.valueOf(fr);
    }

    private static String fm(boolean factorize) {
        return factorize ? "F" : "M";
    }
}
