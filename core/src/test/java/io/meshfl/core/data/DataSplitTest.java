package io.meshfl.core.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DataSplitTest {

    @Test
    void sameSeedGivesTheSameSplit() {
        Split a = Split.of(1000, 0.2, 42);
        Split b = Split.of(1000, 0.2, 42);
        assertArrayEquals(a.train(), b.train());
        assertArrayEquals(a.holdout(), b.holdout());
    }

    @Test
    void splitIsAPartitionOfTheRowsWithTheRequestedHoldoutSize() {
        Split s = Split.of(227, 0.25, 7);
        assertEquals(57, s.holdout().length);
        assertEquals(170, s.train().length);
        int[] all = IntStream.concat(Arrays.stream(s.train()), Arrays.stream(s.holdout())).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 227).toArray(), all);
        assertArrayEquals(Arrays.stream(s.train()).sorted().toArray(), s.train(), "train indices are ascending");
    }

    @Test
    void differentSeedsGiveDifferentSplits() {
        assertFalse(Arrays.equals(Split.of(1000, 0.2, 1).holdout(), Split.of(1000, 0.2, 2).holdout()));
    }

    @Test
    void zeroFractionKeepsEveryRowForTraining() {
        Split s = Split.of(5, 0.0, 1);
        assertArrayEquals(new int[]{0, 1, 2, 3, 4}, s.train());
        assertEquals(0, s.holdout().length);
    }

    @Test
    void fractionOutsideZeroToOneIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Split.of(10, 1.0, 1));
        assertThrows(IllegalArgumentException.class, () -> Split.of(10, -0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> Split.of(10, Double.NaN, 1));
    }
}
