package io.meshfl.core.model.tree;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class SplitFinderTest {

    private static final int F = 20;
    private static final TreeParams P = new TreeParams(3, 0.5, 0.0, 1.0, 0.0);

    private static long q(double v) {
        return Math.round(v * (1L << F));
    }

    /** One feature, three bins: gradients -1, -1, +2 with hessians 1 each. */
    private static Histogram threeBins() {
        return new Histogram(new long[]{q(-1), q(-1), q(2)}, new long[]{q(1), q(1), q(1)});
    }

    @Test
    void picksTheCutWithTheHighestXgboostGain() {
        SplitFinder.Split s = SplitFinder.best(threeBins(), BinLayout.of(new int[]{3}), 0, q(3), F, P);
        assertNotNull(s);
        assertEquals(1, s.bin());
        // G_L = -2, H_L = 2; G_R = 2, H_R = 1; G = 0: 4/3 + 4/2 - 0
        assertEquals(4.0 / 3 + 2.0, s.gain(), 1e-9);
    }

    @Test
    void minChildWeightRulesOutLightChildren() {
        TreeParams heavy = new TreeParams(3, 0.5, 1.5, 1.0, 0.0);
        assertNull(SplitFinder.best(threeBins(), BinLayout.of(new int[]{3}), 0, q(3), F, heavy));
    }

    @Test
    void minGainRulesOutWeakSplits() {
        TreeParams picky = new TreeParams(3, 0.5, 0.0, 1.0, 3.5);
        assertNull(SplitFinder.best(threeBins(), BinLayout.of(new int[]{3}), 0, q(3), F, picky));
    }

    @Test
    void tiesKeepTheEarlierFeature() {
        Histogram two = new Histogram(new long[]{q(-1), q(-1), q(2), q(-1), q(-1), q(2)},
                new long[]{q(1), q(1), q(1), q(1), q(1), q(1)});
        SplitFinder.Split s = SplitFinder.best(two, BinLayout.of(new int[]{3, 3}), 0, q(3), F, P);
        assertEquals(0, s.feature());
    }

    @Test
    void singleBinFeatureOffersNoSplit() {
        Histogram one = new Histogram(new long[]{q(-3)}, new long[]{q(2)});
        assertNull(SplitFinder.best(one, BinLayout.of(new int[]{1}), q(-3), q(2), F, P));
    }

    @Test
    void leafWeightIsShrunkNewtonStep() {
        assertEquals(-0.5 * -2.0 / (3.0 + 1.0), SplitFinder.leafWeight(q(-2), q(3), F, P), 1e-9);
    }

    @Test
    void siblingHistogramIsParentMinusChild() {
        Histogram parent = threeBins();
        Histogram child = new Histogram(new long[]{q(-1), 0, q(1)}, new long[]{q(1), 0, q(0.5)});
        Histogram sib = parent.minus(child);
        assertEquals(q(-1), sib.g()[1]);
        assertEquals(q(1), sib.g()[2]);
        assertEquals(q(0.5), sib.h()[2]);
    }
}
