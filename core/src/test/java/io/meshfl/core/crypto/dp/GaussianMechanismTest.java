package io.meshfl.core.crypto.dp;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GaussianMechanismTest {

    @Test
    void clipScalesLongVectorsToTheNormAndLeavesShortOnes() {
        double[] v = {3, 4};
        assertEquals(0.2, GaussianMechanism.clip(v, 1.0), 1e-15);
        assertEquals(1.0, GaussianMechanism.l2Norm(v), 1e-15);
        assertArrayEquals(new double[]{0.6, 0.8}, v, 1e-15);
        double[] small = {0.1, -0.2};
        assertEquals(1.0, GaussianMechanism.clip(small, 1.0));
        assertArrayEquals(new double[]{0.1, -0.2}, small);
        assertThrows(MeshflException.class, () -> GaussianMechanism.clip(new double[]{Double.NaN}, 1));
    }

    @Test
    void noiseHasStddevMultiplierTimesClipNorm() {
        GaussianMechanism g = new GaussianMechanism(2.0, 1.5, new Random(7));
        double[] v = new double[200_000];
        g.addNoise(v);
        double mean = 0, sq = 0;
        for (double x : v) {
            mean += x;
            sq += x * x;
        }
        mean /= v.length;
        double sd = Math.sqrt(sq / v.length - mean * mean);
        assertEquals(0, mean, 0.02);
        assertEquals(3.0, sd, 0.02);
    }

    @Test
    void privatizeClipsACopyThenNoises() {
        double[] update = {30, 40};
        double[] out = new GaussianMechanism(1.0, 0.0, new Random(1)).privatize(update);
        assertArrayEquals(new double[]{30, 40}, update);
        assertArrayEquals(new double[]{0.6, 0.8}, out, 1e-15);
        double[] a = new GaussianMechanism(1.0, 1.0, new Random(3)).privatize(update);
        double[] b = new GaussianMechanism(1.0, 1.0, new Random(3)).privatize(update);
        assertArrayEquals(a, b, "a seeded source reproduces the noise");
    }

    @Test
    void adaptiveClippingConvergesToTheTargetQuantile() {
        // update norms ~ |N(0, 1)| * 5: the median norm is 5 * 0.6745 = 3.37
        Random rnd = new Random(11);
        AdaptiveClipping state = AdaptiveClipping.initial(0.1, 100);
        for (int round = 0; round < 300; round++) {
            int unclipped = 0;
            for (int c = 0; c < 100; c++) {
                unclipped += state.unclipped(new double[]{5 * rnd.nextGaussian()});
            }
            state = state.next(unclipped, rnd);
        }
        assertEquals(3.37, state.clipNorm(), 0.5);
    }

    @Test
    void adaptiveClippingMovesGeometrically() {
        AdaptiveClipping s = new AdaptiveClipping(1.0, 0.5, 0.2, 0.0, 10);
        // all ten unclipped: fraction 1, norm shrinks by exp(-0.2 * 0.5)
        assertEquals(Math.exp(-0.1), s.next(10, new Random(1)).clipNorm(), 1e-15);
        assertEquals(Math.exp(0.1), s.next(0, new Random(1)).clipNorm(), 1e-15);
    }

    @Test
    void updateNoiseMultiplierLeavesRoomForTheCountQuery() {
        AdaptiveClipping s = AdaptiveClipping.initial(1.0, 100); // count stddev 5
        double z = s.updateNoiseMultiplier(1.0);
        assertEquals(1 / Math.sqrt(1 - 0.01), z, 1e-12);
        var e = assertThrows(MeshflException.class, () -> AdaptiveClipping.initial(1.0, 20).updateNoiseMultiplier(2.0));
        assertTrue(e.getMessage().contains("'countStddev'"), e.getMessage());
    }
}
