package io.meshfl.core.data;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DataScalingTest {

    private static Dataset random(int rows, long seed, double shift) {
        Random r = new Random(seed);
        double[] x = new double[rows * 3];
        for (int i = 0; i < x.length; i++) x[i] = shift + r.nextGaussian() * (1 + i % 3);
        return new Dataset(List.of("a", "b", "c"), x, null, null, rows);
    }

    private static Dataset concat(Dataset a, Dataset b) {
        double[] x = new double[a.x().length + b.x().length];
        System.arraycopy(a.x(), 0, x, 0, a.x().length);
        System.arraycopy(b.x(), 0, x, a.x().length, b.x().length);
        return new Dataset(a.features(), x, null, null, a.rows() + b.rows());
    }

    @Test
    void mergedStatsEqualStatsOfTheConcatenation() {
        Dataset a = random(50, 1, 0.0);
        Dataset b = random(70, 2, 5.0);
        ColumnStats merged = ColumnStats.of(a).merge(ColumnStats.of(b));
        ColumnStats whole = ColumnStats.of(concat(a, b));
        assertArrayEquals(whole.count(), merged.count());
        assertArrayEquals(whole.sum(), merged.sum(), 1e-9);
        assertArrayEquals(whole.sumSq(), merged.sumSq(), 1e-9);
        assertArrayEquals(whole.mean(), merged.mean(), 1e-12);
        assertArrayEquals(whole.std(), merged.std(), 1e-12);
    }

    @Test
    void meanAndPopulationStdAreComputedFromTheSums() {
        Dataset d = new Dataset(List.of("a"), new double[]{1, 2, 3, 4}, null, null, 4);
        ColumnStats s = ColumnStats.of(d);
        assertArrayEquals(new long[]{4}, s.count());
        assertArrayEquals(new double[]{2.5}, s.mean(), 1e-12);
        assertArrayEquals(new double[]{Math.sqrt(1.25)}, s.std(), 1e-12);
    }

    @Test
    void statsOfDifferentFeaturesDoNotMerge() {
        ColumnStats a = ColumnStats.of(new Dataset(List.of("a"), new double[]{1}, null, null, 1));
        ColumnStats b = ColumnStats.of(new Dataset(List.of("b"), new double[]{1}, null, null, 1));
        assertThrows(IllegalArgumentException.class, () -> a.merge(b));
    }

    @Test
    void federatedStandardizingGivesZeroMeanUnitStdOverAllNodes() {
        Dataset a = random(200, 3, 1.0);
        Dataset b = random(300, 4, -2.0);
        Standardizer st = Standardizer.from(ColumnStats.of(a).merge(ColumnStats.of(b)));
        ColumnStats after = ColumnStats.of(st.apply(a)).merge(ColumnStats.of(st.apply(b)));
        for (int j = 0; j < 3; j++) {
            assertEquals(0.0, after.mean()[j], 1e-9);
            assertEquals(1.0, after.std()[j], 1e-9);
        }
    }

    @Test
    void constantColumnIsCentredButNotDividedByZero() {
        double[] y = {1, 0};
        String[] keys = {"p", "q"};
        Dataset d = new Dataset(List.of("c", "v"), new double[]{7, 1, 7, 3}, y, keys, 2);
        Standardizer st = Standardizer.from(ColumnStats.of(d));
        assertEquals(0.0, st.std()[0]);
        Dataset out = st.apply(d);
        assertArrayEquals(new double[]{0, -1, 0, 1}, out.x(), 1e-12);
        assertSame(y, out.y());
        assertSame(keys, out.keys());
        assertArrayEquals(new double[]{7, 1, 7, 3}, d.x(), "the input is not modified");
    }

    @Test
    void standardizerRejectsDataOfAnotherWidth() {
        Standardizer st = new Standardizer(new double[]{0}, new double[]{1});
        assertThrows(IllegalArgumentException.class, () -> st.apply(random(2, 1, 0)));
    }
}
