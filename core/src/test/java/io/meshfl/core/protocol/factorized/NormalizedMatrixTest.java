package io.meshfl.core.protocol.factorized;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NormalizedMatrixTest {

    private static final double EPS = 1e-12;

    private static void assertProductsMatchMaterialized(NormalizedMatrix t, Random rnd) {
        DenseMatrix dense = t.materialize();
        double[] w = Schemas.random(rnd, t.cols());
        double[] r = Schemas.random(rnd, t.rows());
        assertArrayEquals(dense.times(w), t.times(w), EPS);
        assertArrayEquals(dense.transposeTimes(r), t.transposeTimes(r), EPS);
    }

    @Test
    void productsEqualMaterializedForOneToOneJoin() {
        Random rnd = new Random(1);
        NormalizedMatrix t = Schemas.star(rnd, 50, 3, new int[]{50}, new int[]{4});
        assertEquals(1.0, t.tupleRatio(1));
        assertProductsMatchMaterialized(t, rnd);
    }

    @Test
    void productsEqualMaterializedForManyToOneJoin() {
        Random rnd = new Random(2);
        NormalizedMatrix t = Schemas.star(rnd, 200, 2, new int[]{20}, new int[]{6});
        assertEquals(10.0, t.tupleRatio(1));
        assertEquals(3.0, t.featureRatio(1));
        assertProductsMatchMaterialized(t, rnd);
    }

    @Test
    void productsEqualMaterializedForTwoAndThreeDimensions() {
        Random rnd = new Random(3);
        assertProductsMatchMaterialized(Schemas.star(rnd, 120, 3, new int[]{12, 120}, new int[]{5, 2}), rnd);
        NormalizedMatrix three = Schemas.star(rnd, 150, 2, new int[]{7, 30, 150}, new int[]{3, 4, 1});
        assertEquals(4, three.sources());
        assertProductsMatchMaterialized(three, rnd);
    }

    @Test
    void sourceContributingNoColumnsChangesNothing() {
        Random rnd = new Random(4);
        Source base = Source.contiguous("fact", 40, 2, Schemas.random(rnd, 80), 0);
        Source dim = Source.contiguous("dim", 8, 3, Schemas.random(rnd, 24), 2);
        Source empty = new Source("empty", 5, 0, new double[0], new int[0]);
        Source allDropped = new Source("dropped", 6, 2, Schemas.random(rnd, 12), new int[]{-1, -1});
        int[] fkDim = Schemas.manyToOne(rnd, 40, 8);
        NormalizedMatrix with = NormalizedMatrix.of(5, base, new Join(dim, fkDim), new Join(empty, Schemas.manyToOne(rnd, 40, 5)),
                new Join(allDropped, Schemas.manyToOne(rnd, 40, 6)));
        NormalizedMatrix without = NormalizedMatrix.of(5, base, new Join(dim, fkDim));
        assertProductsMatchMaterialized(with, rnd);
        assertArrayEquals(without.materialize().data(), with.materialize().data(), 0);
        double[] w = Schemas.random(rnd, 5);
        assertArrayEquals(without.times(w), with.times(w), EPS);
    }

    @Test
    void columnMappingPlacesSourceColumnsWhereTheMappingSays() {
        // base feeds target columns 2 and 0, the dimension feeds 1
        Source base = new Source("fact", 2, 2, new double[]{1, 2, 3, 4}, new int[]{2, 0});
        Source dim = new Source("dim", 1, 1, new double[]{9}, new int[]{1});
        DenseMatrix t = NormalizedMatrix.of(3, base, new Join(dim, new int[]{0, 0})).materialize();
        assertArrayEquals(new double[]{2, 9, 1, 4, 9, 3}, t.data(), 0);
    }

    @Test
    void overlappingAttributeIsCountedOnceAndANaiveSumCountsItTwice() {
        Random rnd = new Random(5);
        int n0 = 30;
        int nk = 6;
        int[] fk = Schemas.manyToOne(rnd, n0, nk);
        // the dimension's column 0 is the same attribute as the base's column 1 ("region"), copied into every base row
        double[] dimData = Schemas.random(rnd, nk * 3);
        double[] baseData = Schemas.random(rnd, n0 * 2);
        for (int i = 0; i < n0; i++) baseData[i * 2 + 1] = dimData[fk[i] * 3];
        Source base = Source.contiguous("fact", n0, 2, baseData, 0);
        Source dim = new Source("dim", nk, 3, dimData, new int[]{-1, 2, 3}); // keep region from the base only
        NormalizedMatrix t = NormalizedMatrix.of(4, base, new Join(dim, fk));
        double[] w = {0.5, -1.5, 2.0, 0.25};

        // naive sum_k I_k S_k M_k^T w with both sources mapping the overlap to target column 1
        double[] naive = new double[n0];
        for (int i = 0; i < n0; i++) {
            naive[i] = baseData[i * 2] * w[0] + baseData[i * 2 + 1] * w[1]
                    + dimData[fk[i] * 3] * w[1] + dimData[fk[i] * 3 + 1] * w[2] + dimData[fk[i] * 3 + 2] * w[3];
        }
        double[] masked = t.times(w);
        double[] expected = t.materialize().times(w);
        assertArrayEquals(expected, masked, EPS);
        for (int i = 0; i < n0; i++) {
            double region = baseData[i * 2 + 1];
            assertEquals(masked[i] + region * w[1], naive[i], 1e-12, "row " + i + ": the naive sum adds region twice");
            if (region != 0) assertTrue(Math.abs(naive[i] - masked[i]) > 1e-9);
        }
        // and the double mapping itself is refused
        Source dimTwice = new Source("dim", nk, 3, dimData, new int[]{1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NormalizedMatrix.of(4, base, new Join(dimTwice, fk)));
        assertTrue(e.getMessage().contains("target column 1 is mapped twice"), e.getMessage());
        assertTrue(e.getMessage().contains("'fact'") && e.getMessage().contains("'dim' column 0"), e.getMessage());
    }

    @Test
    void columnStatisticsMatchMaterialized() {
        Random rnd = new Random(6);
        NormalizedMatrix t = Schemas.star(rnd, 300, 3, new int[]{15, 40}, new int[]{4, 2});
        ColumnStats f = t.columnStats();
        ColumnStats m = t.materialize().columnStats();
        assertEquals(m.rows(), f.rows());
        assertArrayEquals(m.sums(), f.sums(), 1e-10);
        assertArrayEquals(m.sumsOfSquares(), f.sumsOfSquares(), 1e-10);
        assertArrayEquals(m.standardDeviations(), f.standardDeviations(), 1e-12);
    }

    @Test
    void gramMatchesMaterialized() {
        Random rnd = new Random(7);
        NormalizedMatrix t = Schemas.star(rnd, 250, 3, new int[]{25, 250, 10}, new int[]{4, 2, 3});
        assertArrayEquals(t.materialize().gram(), t.gram(), 1e-9);
    }

    @Test
    void standardizedProductsAndGramMatchStandardizedMaterialized() {
        Random rnd = new Random(8);
        NormalizedMatrix t = Schemas.star(rnd, 200, 2, new int[]{20}, new int[]{3});
        Standardized f = Standardized.of(t);
        Standardized m = Standardized.of(t.materialize());
        double[] w = Schemas.random(rnd, t.cols());
        double[] r = Schemas.random(rnd, t.rows());
        assertArrayEquals(m.times(w), f.times(w), 1e-12);
        assertArrayEquals(m.transposeTimes(r), f.transposeTimes(r), 1e-11);
        assertArrayEquals(m.gram(), f.gram(), 1e-9);
        ColumnStats s = f.columnStats();
        for (int j = 0; j < t.cols(); j++) {
            assertEquals(0, s.sums()[j], 1e-9);
            assertEquals(t.rows(), s.sumsOfSquares()[j], 1e-9);
        }
    }

    @Test
    void morpheusRuleFactorizesOnlyAboveBothThresholds() {
        assertTrue(NormalizedMatrix.morpheusFactorizes(10, 2));
        assertFalse(NormalizedMatrix.morpheusFactorizes(5, 2));
        assertFalse(NormalizedMatrix.morpheusFactorizes(10, 1));
    }

    @Test
    void foreignKeyOutOfRangeNamesSourceAndRow() {
        Source base = Source.contiguous("fact", 3, 1, new double[]{1, 2, 3}, 0);
        Source dim = Source.contiguous("customers", 2, 1, new double[]{5, 6}, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NormalizedMatrix.of(2, base, new Join(dim, new int[]{0, 2, 1})));
        assertEquals("foreign key of source 'customers' at target row 1 is 2, outside its 2 rows", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NormalizedMatrix.of(2, base, new Join(dim, new int[]{0, 1})));
        assertTrue(e.getMessage().contains("'customers' has 2 entries") && e.getMessage().contains("'fact' has 3 rows"), e.getMessage());
    }

    @Test
    void unmappedAndOutOfRangeTargetColumnsAreNamed() {
        Source base = Source.contiguous("fact", 2, 2, new double[]{1, 2, 3, 4}, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NormalizedMatrix.of(3, base, List.of()));
        assertEquals("target column 2 is fed by no source", e.getMessage());
        Source wide = new Source("orders", 2, 2, new double[]{1, 2, 3, 4}, new int[]{0, 5});
        e = assertThrows(IllegalArgumentException.class, () -> NormalizedMatrix.of(2, wide, List.of()));
        assertTrue(e.getMessage().startsWith("source 'orders' column 1 maps to target column 5"), e.getMessage());
    }

    @Test
    void shapeMismatchesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Source("orders", 2, 3, new double[5], new int[]{0, 1, 2}));
        assertEquals("source 'orders' is 2 x 3 and needs 6 values, got 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Source("orders", 1, 3, new double[3], new int[]{0, 1}));
        assertEquals("source 'orders' has 3 columns but a mapping for 2", e.getMessage());
        NormalizedMatrix t = NormalizedMatrix.of(1, Source.contiguous("fact", 2, 1, new double[]{1, 2}, 0));
        e = assertThrows(IllegalArgumentException.class, () -> t.times(new double[2]));
        assertEquals("w has length 2, expected 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.transposeTimes(new double[3]));
        assertEquals("r has length 3, expected 2", e.getMessage());
    }
}
