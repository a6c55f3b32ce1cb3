package io.meshfl.core.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingTest {

    private final Embedding strict = new Embedding(4, 2);
    private final double[] table = initTable(strict);

    @Test
    void looksUpTheRowOfEachIndex() {
        double[] out = strict.forward(table, 0, new double[] {2, 0, 3}, 3);
        assertArrayEquals(new double[] {table[4], table[5], 0, 0, table[6], table[7]}, out);
    }

    @Test
    void unknownRowStartsAtZero() {
        assertEquals(0.0, table[0]);
        assertEquals(0.0, table[1]);
        assertTrue(table[2] != 0 || table[3] != 0);
    }

    @Test
    void rejectsNonIntegerIndexNamingTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> strict.forward(table, 0, new double[] {1, 2.5}, 2));
        assertTrue(e.getMessage().contains("2.5"), e.getMessage());
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    }

    @Test
    void rejectsOutOfRangeAndMissingIndicesWhenTraining() {
        for (double bad : new double[] {4, -1, 17, Double.NaN, Double.POSITIVE_INFINITY}) {
            var e = assertThrows(IllegalArgumentException.class, () -> strict.forward(table, 0, new double[] {bad}, 1));
            assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
    }

    @Test
    void lenientPredictionMapsUnseenCategoriesToTheUnknownRow() {
        Embedding lenient = strict.forPrediction();
        assertTrue(lenient.lenient());
        assertFalse(strict.lenient());
        double[] out = lenient.forward(table, 0, new double[] {7, -3, Double.NaN, 1}, 4);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0, 0, table[2], table[3]}, out);
        // A fractional value is a wiring mistake, not a new category: still rejected.
        assertThrows(IllegalArgumentException.class, () -> lenient.forward(table, 0, new double[] {1.5}, 1));
    }

    @Test
    void encoderNamesTheColumnOfABadIndexAndIsLenientForPrediction() {
        InputEncoder enc = new InputEncoder(3, List.of(new InputEncoder.Categorical(2, 3, 2)));
        double[] p = new double[enc.numParams()];
        enc.init(p, 0, new Random(1));
        double[] x = {0.5, -1, 9};
        var e = assertThrows(IllegalArgumentException.class, () -> enc.forward(p, 0, x, 1));
        assertTrue(e.getMessage().contains("input column 2") && e.getMessage().contains("9.0"), e.getMessage());
        assertArrayEquals(new double[] {0.5, -1, 0, 0}, enc.forPrediction().forward(p, 0, x, 1));
        // A network copied for prediction carries the leniency down into nested encoders.
        Network net = Network.of(Network.of(enc), new Dense(4, 1, Dense.Init.XAVIER));
        double[] np = new double[net.numParams()];
        net.init(np, new Random(2));
        assertThrows(IllegalArgumentException.class, () -> net.forward(np, x, 1));
        assertEquals(1, net.forPrediction().forward(np, x, 1).length);
    }

    @Test
    void encoderRejectsBadColumnLists() {
        assertThrows(IllegalArgumentException.class,
                () -> new InputEncoder(2, List.of(new InputEncoder.Categorical(2, 3, 2))));
        assertThrows(IllegalArgumentException.class, () -> new InputEncoder(3,
                List.of(new InputEncoder.Categorical(1, 3, 2), new InputEncoder.Categorical(1, 4, 2))));
        assertThrows(IllegalArgumentException.class, () -> new Embedding(1, 2));
    }

    private static double[] initTable(Embedding e) {
        double[] p = new double[e.numParams()];
        Arrays.fill(p, 99);
        e.init(p, 0, new Random(3));
        return p;
    }
}
