package io.meshfl.core.protocol.split;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.nn.Activation;
import io.meshfl.core.model.nn.Network;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** How a party encodes its columns for its bottom network, and how that is kept in its model part. */
class ColumnEncodingTest {

    private static Dataset rows(double[]... r) {
        double[] x = new double[r.length * 3];
        for (int i = 0; i < r.length; i++) System.arraycopy(r[i], 0, x, i * 3, 3);
        return new Dataset(List.of("a", "city", "k"), x, null, null, r.length);
    }

    private final Dataset train = rows(new double[]{1, 30, 5}, new double[]{3, 10, 5}, new double[]{5, 30, 5}, new double[]{7, 20, 5});

    @Test
    void categoriesAreNumberedInSortedOrderFromOneAndUnseenOnesMapToZero() {
        ColumnEncoding e = ColumnEncoding.fit(train, List.of("city", "other_party_column"));
        assertEquals(List.of("city"), e.categorical());
        assertArrayEquals(new double[]{10, 20, 30}, e.vocab().get(0));
        Dataset out = e.apply(rows(new double[]{1, 30, 5}, new double[]{1, 10, 5}, new double[]{1, 99, 5}, new double[]{1, Double.NaN, 5}));
        assertArrayEquals(new double[]{3, 1, 0, 0}, new double[]{out.get(0, 1), out.get(1, 1), out.get(2, 1), out.get(3, 1)});
        assertEquals(List.of(new io.meshfl.core.model.nn.InputEncoder.Categorical(1, 4, 2)), e.embeddings(2));
    }

    @Test
    void numericColumnsAreStandardizedAndConstantOnesOnlyCentred() {
        ColumnEncoding e = ColumnEncoding.fit(train, List.of("city"));
        Dataset out = e.apply(train);
        double sd = Math.sqrt(5.0);
        assertEquals((1 - 4) / sd, out.get(0, 0), 1e-12);
        assertEquals((7 - 4) / sd, out.get(3, 0), 1e-12);
        assertEquals(0.0, out.get(2, 2));
        assertEquals(0.0, e.std()[2]);
        assertEquals(1, e.constantColumns());
        assertEquals(3, ColumnEncoding.fit(rows(new double[]{1, 2, 3}), List.of("city")).constantColumns());
    }

    @Test
    void theTypicalRowIsTheNumericMeansAndTheMostFrequentCategory() {
        ColumnEncoding e = ColumnEncoding.fit(train, List.of("city"));
        // a at 2, 4 and 9 (mean 5); cities 10, 20, 20: index 2, where the mean index 5/3 would name no city
        double[] row = e.typicalRow(e.apply(rows(new double[]{2, 10, 5}, new double[]{4, 20, 5}, new double[]{9, 20, 5})));
        assertEquals((5 - 4) / Math.sqrt(5.0), row[0], 1e-12);
        assertEquals(2.0, row[1]);
        assertEquals(0.0, row[2]);
        assertArrayEquals(new double[]{0, 0, 0}, e.typicalRow(e.apply(rows())), "no rows: zeros, the unknown category");
    }

    @Test
    void dataWithOtherColumnsIsRefused() {
        ColumnEncoding e = ColumnEncoding.fit(train, List.of());
        Dataset swapped = new Dataset(List.of("city", "a", "k"), train.x(), null, null, train.rows());
        assertThrows(IllegalArgumentException.class, () -> e.apply(swapped));
    }

    @Test
    void savedPartReadsBackWithItsEncodingAndParameters() {
        ColumnEncoding e = ColumnEncoding.fit(train, List.of("city"));
        Network net = SplitArchitecture.bottom(e, 2, List.of(4), 3, Activation.TANH);
        double[] params = new double[net.numParams()];
        for (int i = 0; i < params.length; i++) params[i] = i * 0.01;
        SplitPart part = new SplitPart("shop", e, List.of(4), 3, "tanh", 2, 0.25, params);
        SplitPart back = SplitPart.parse(part.toJson(), "m");
        assertEquals("shop", back.domain());
        assertArrayEquals(params, back.params());
        assertArrayEquals(e.mean(), back.encoding().mean());
        assertArrayEquals(e.vocab().get(0), back.encoding().vocab().get(0));
        assertEquals(0.25, back.activationNoise());
        Network p = back.predictionBottom();
        double[] x = e.apply(rows(new double[]{2, 77, 5})).x();
        assertArrayEquals(net.forPrediction().forward(params, x, 1), p.forward(back.params(), x, 1));
    }
}
