package io.meshfl.core.model.tree;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantileSketchTest {

    /** Two columns: one of few values, one continuous. */
    private static double[] data(int rows, long seed) {
        Random r = new Random(seed);
        double[] x = new double[rows * 2];
        for (int i = 0; i < rows; i++) {
            x[2 * i] = r.nextInt(5);
            x[2 * i + 1] = Math.round(r.nextGaussian() * 1000) / 10.0;
        }
        return x;
    }

    private static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = from; i < to; i++) out[i - from] = i;
        return out;
    }

    @Test
    void exactSketchesOfPartsCutTheBinsOfTheWhole() {
        double[] x = data(3000, 1);
        QuantileBins whole = QuantileBins.fit(x, 3000, 2, 32);
        QuantileBins merged = QuantileSketch.merge(List.of(QuantileSketch.of(x, range(0, 1000), 2, 4096),
                QuantileSketch.of(x, range(1000, 3000), 2, 4096)), 32);
        for (int f = 0; f < 2; f++) assertArrayEquals(whole.thresholds()[f], merged.thresholds()[f], "column " + f);
    }

    @Test
    void summariesOfLargePartsStayWithinAFewRowsOfTheWholesRanks() {
        double[] x = data(20000, 2);
        QuantileBins whole = QuantileBins.fit(x, 20000, 2, 32);
        QuantileBins merged = QuantileSketch.merge(List.of(QuantileSketch.of(x, range(0, 12000), 2, 256),
                QuantileSketch.of(x, range(12000, 20000), 2, 256)), 32);
        double[] col = new double[20000];
        for (int i = 0; i < 20000; i++) col[i] = x[2 * i + 1];
        java.util.Arrays.sort(col);
        assertEquals(whole.thresholds()[1].length, merged.thresholds()[1].length);
        for (int b = 0; b < merged.thresholds()[1].length; b++) {
            int rankWhole = java.util.Arrays.binarySearch(col, whole.thresholds()[1][b]);
            int rankMerged = java.util.Arrays.binarySearch(col, merged.thresholds()[1][b]);
            // 256 points per part: each stands for at most 47 rows
            assertTrue(Math.abs(rankWhole - rankMerged) <= 100, "cut " + b + ": rank " + rankMerged + " against " + rankWhole);
        }
    }

    @Test
    void aSketchCrossesAsBytesAndBadOnesAreRefused() {
        double[] x = data(500, 3);
        QuantileSketch s = QuantileSketch.of(x, range(0, 500), 2, 4096);
        QuantileSketch back = QuantileSketch.decode(s.encode(), 2, "north");
        assertArrayEquals(s.values()[1], back.values()[1]);
        assertArrayEquals(s.weights()[0], back.weights()[0]);
        var e = assertThrows(io.meshfl.core.MeshflException.class, () -> QuantileSketch.decode(s.encode(), 3, "north"));
        assertTrue(e.getMessage().contains("north sent a quantile sketch of 2 columns, not 3"), e.getMessage());
        byte[] cut = java.util.Arrays.copyOf(s.encode(), 40);
        assertThrows(io.meshfl.core.MeshflException.class, () -> QuantileSketch.decode(cut, 2, "north"));
    }
}
