package io.meshfl.core.plan.cost;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CostModelTest {

    private static final CostModel TRUTH = new CostModel(1.2e-9, 6e-9, 4e-9, 2e-8);

    /** A grid of star-schema workloads timed by a known model, with multiplicative noise. */
    private static List<CostModel.Sample> grid(CostModel truth, double noise, long seed) {
        Random r = new Random(seed);
        List<CostModel.Sample> out = new ArrayList<>();
        for (int tr : new int[]{1, 2, 5, 10, 20, 50}) {
            for (double fr : new double[]{0.5, 1, 2, 5}) {
                Workload w = new Workload(20_000L * tr, 20, 20_000, (int) (20 * fr), 1, 20);
                out.add(new CostModel.Sample(w, truth.materializedSeconds(w) * (1 + noise * r.nextGaussian()),
                        truth.factorizedSeconds(w) * (1 + noise * r.nextGaussian())));
            }
        }
        return out;
    }

    @Test
    void fittingRecoversTheConstantsOfNoiselessTimings() {
        CostModel fit = CostModel.fit(grid(TRUTH, 0, 1));
        assertEquals(TRUTH.dense(), fit.dense(), TRUTH.dense() * 1e-6);
        assertEquals(TRUTH.join(), fit.join(), TRUTH.join() * 1e-6);
        assertEquals(TRUTH.index(), fit.index(), TRUTH.index() * 1e-6);
        assertEquals(TRUTH.row(), fit.row(), TRUTH.row() * 1e-6);
    }

    @Test
    void fittedModelChoosesLikeTheMeasurementsOnNoisyTimings() {
        List<CostModel.Sample> samples = grid(TRUTH, 0.05, 2);
        assertTrue(CostModel.fit(samples).decisionAccuracy(samples) >= 0.9);
        assertTrue(CostModel.leaveOneOutAccuracy(samples) >= 0.85, "loo " + CostModel.leaveOneOutAccuracy(samples));
    }

    @Test
    void morpheusRuleFactorizesOnlyAboveBothRatios() {
        assertEquals(CostModel.FACTORIZED, CostModel.morpheusRule(new Workload(100_000, 10, 10_000, 20, 1, 1)));
        assertEquals(CostModel.MATERIALIZED, CostModel.morpheusRule(new Workload(50_000, 10, 10_000, 20, 1, 1)));
        assertEquals(CostModel.MATERIALIZED, CostModel.morpheusRule(new Workload(100_000, 20, 10_000, 20, 1, 1)));
    }

    @Test
    void factorizingPaysWithManyTargetRowsPerSourceRowAndWideSources() {
        Workload wide = new Workload(1_000_000, 10, 20_000, 100, 1, 20);
        Workload narrow = new Workload(20_000, 100, 20_000, 10, 1, 1000); // the join amortized over many passes
        assertEquals(CostModel.FACTORIZED, TRUTH.choose(wide));
        assertEquals(CostModel.MATERIALIZED, TRUTH.choose(narrow));
        assertTrue(TRUTH.predict(wide).get(CostModel.MATERIALIZED) > 3 * TRUTH.predict(wide).get(CostModel.FACTORIZED));
    }

    @Test
    void negativeConstantsAreDroppedRatherThanFitted() {
        // Timings with no per-row index cost at all: the fit must not invent a negative one.
        CostModel noIndex = new CostModel(1e-9, 5e-9, 0, 1e-8);
        CostModel fit = CostModel.fit(grid(noIndex, 0.02, 3));
        assertTrue(fit.index() >= 0 && fit.dense() > 0 && fit.join() >= 0, fit.toString());
    }

    @Test
    void badWorkloadsAndSamplesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Workload(0, 1, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Workload(1, 1, 1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> CostModel.fit(List.of()));
        Workload w = new Workload(10, 1, 10, 1, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> CostModel.fit(List.of(new CostModel.Sample(w, 0, 1))));
    }

    @Test
    void runsThatMeasuredOneStrategyStillRefineTheFit() {
        List<CostModel.Sample> grid = grid(TRUTH, 0, 4);
        List<CostModel.Sample> history = new ArrayList<>();
        for (CostModel.Sample s : grid) {
            history.add(CostModel.Sample.of(s.workload(), CostModel.MATERIALIZED, s.materializedSeconds()));
            history.add(CostModel.Sample.of(s.workload(), CostModel.FACTORIZED, s.factorizedSeconds()));
        }
        CostModel fit = CostModel.fit(history);
        assertEquals(TRUTH.dense(), fit.dense(), TRUTH.dense() * 1e-6);
        assertEquals(TRUTH.index(), fit.index(), TRUTH.index() * 1e-6);
        assertTrue(Double.isNaN(fit.decisionAccuracy(history)), "one-sided samples cannot say which plan was best");
        assertEquals(1.0, fit.decisionAccuracy(grid), 1e-12);
    }
}
