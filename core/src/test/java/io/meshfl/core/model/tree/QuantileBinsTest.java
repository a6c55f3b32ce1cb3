package io.meshfl.core.model.tree;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class QuantileBinsTest {

    @Test
    void binAtOrBelowACutMeansValueAtOrBelowItsThreshold() {
        Random rnd = new Random(3);
        int n = 1000;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextGaussian();
        QuantileBins qb = QuantileBins.fit(x, n, 1, 16);
        assertEquals(16, qb.bins(0));
        byte[][] bin = qb.binIndex(x, n);
        for (int b = 0; b < qb.bins(0) - 1; b++) {
            double t = qb.thresholds()[0][b];
            for (int i = 0; i < n; i++) assertEquals((bin[0][i] & 0xFF) <= b, x[i] <= t);
        }
    }

    @Test
    void quantileBinsHoldRoughlyEqualCounts() {
        int n = 3200;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = i;
        QuantileBins qb = QuantileBins.fit(x, n, 1, 32);
        int[] count = new int[qb.bins(0)];
        for (byte b : qb.binIndex(x, n)[0]) count[b & 0xFF]++;
        for (int c : count) assertEquals(100, c);
    }

    @Test
    void fewDistinctValuesGetOneBinEachAndTheMaximumIsNeverACut() {
        double[] x = {3, 1, 2, 3, 1, 1};
        QuantileBins qb = QuantileBins.fit(x, 6, 1, 32);
        assertArrayEquals(new double[]{1, 2}, qb.thresholds()[0]);
        assertEquals(3, qb.bins(0));
    }

    @Test
    void constantColumnHasOneBinAndNoSplit() {
        double[] x = {5, 1, 5, 2, 5, 3};
        QuantileBins qb = QuantileBins.fit(x, 3, 2, 8);
        assertEquals(1, qb.bins(0));
        assertEquals(3, qb.bins(1));
        assertEquals(1, qb.splittable());
        assertArrayEquals(new byte[3], qb.binIndex(x, 3)[0]);
    }
}
