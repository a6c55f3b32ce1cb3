package io.meshfl.core.monitoring;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriftTest {

    private static double[] gaussian(long seed, int n, double shift) {
        Random r = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextGaussian() + shift;
        return x;
    }

    @Test
    void aProfileHoldsTheDecileEdgesAndTheShareOfEachBin() {
        Drift.Profile p = Drift.profile(new double[]{10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
        assertArrayEquals(new double[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, p.edges());
        for (double f : p.fractions()) assertEquals(0.1, f, 1e-12);
        assertEquals(0.0, Drift.psi(p, new double[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), 1e-12, "the reference itself does not drift");
    }

    @Test
    void psiMatchesHandComputedValues() {
        // (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5)
        assertEquals(0.2746530721670274, Drift.psi(new double[]{0.5, 0.5}, new double[]{0.25, 0.75}), 1e-12);
        // half the bins take all the rows, the other half none (floored at 1e-4):
        // 5 (0.2 - 0.1) ln 2 + 5 (1e-4 - 0.1) ln(1e-4 / 0.1)
        Drift.Profile p = Drift.profile(new double[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        assertEquals(3.79699735213155, Drift.psi(p, new double[]{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}), 1e-9);
    }

    @Test
    void theSameDistributionScoresNearZeroAndAShiftedOneAboveTheThreshold() {
        Drift.Profile ref = Drift.profile(gaussian(1, 20_000, 0));
        assertEquals(10, ref.fractions().length);
        double same = Drift.psi(ref, gaussian(2, 20_000, 0));
        assertTrue(same < 0.01, "same distribution: " + same);
        double shifted = Drift.psi(ref, gaussian(3, 20_000, 0.75));
        assertTrue(shifted > Drift.SIGNIFICANT, "shifted by 0.75 sd: " + shifted);
        double small = Drift.psi(ref, gaussian(4, 20_000, 0.1));
        assertTrue(small > same && small < shifted, "a small shift scores between: " + small);
    }

    @Test
    void fewDistinctValuesMakeFewerBinsAndMissingValuesAreLeftOut() {
        Drift.Profile constant = Drift.profile(new double[]{3, 3, 3, Double.NaN});
        assertEquals(0, constant.edges().length);
        assertArrayEquals(new double[]{1.0}, constant.fractions());
        assertEquals(0.0, Drift.psi(constant, new double[]{7, 8}), 0.0, "one bin cannot tell values apart");
        Drift.Profile binary = Drift.profile(new double[]{0, 0, 0, 1, Double.NaN});
        assertArrayEquals(new double[]{0}, binary.edges());
        assertArrayEquals(new double[]{0.75, 0.25}, binary.fractions(), 1e-12);
        assertTrue(Double.isNaN(Drift.psi(binary, new double[]{Double.NaN})), "no value, no index");
        assertThrows(IllegalArgumentException.class, () -> Drift.profile(new double[]{Double.NaN}));
    }
}
