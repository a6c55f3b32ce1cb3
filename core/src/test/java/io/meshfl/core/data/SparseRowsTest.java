package io.meshfl.core.data;

import io.meshfl.core.protocol.Holdout;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A group member's sparse view of the common order built from its own rows only is the view the whole product gives. */
class SparseRowsTest {

    private static final Dataset ALL = new Dataset(List.of("a", "b"),
            new double[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, new double[]{0, 1, 0, 1, 1}, null, 5);

    @Test
    void spreadingTheOwnRowsIsTheSparseSelectionOfTheWholeProduct() {
        int[] idx = {-1, 3, 0, -1, 4, 3};
        int[] own = Arrays.stream(idx).filter(i -> i >= 0).toArray();
        Dataset spread = ALL.select(own).spread(idx);
        Dataset sparse = ALL.selectSparse(idx);
        assertEquals(sparse.rows(), spread.rows());
        assertArrayEquals(sparse.x(), spread.x());
        assertArrayEquals(sparse.y(), spread.y());
        assertArrayEquals(new double[]{0, 0, 7, 8, 1, 2, 0, 0, 9, 10, 7, 8}, spread.x());
    }

    @Test
    void aCountThatDoesNotMatchThePositionsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ALL.select(new int[]{0, 1}).spread(new int[]{-1, 0}));
        assertThrows(IllegalArgumentException.class, () -> ALL.select(new int[]{0}).spread(new int[]{2, 0}));
    }

    @Test
    void aMembersTrainingRowsAreItsOwnPositionsBeforeTheHeldOutOnes() {
        assertArrayEquals(new int[]{1, 2}, Holdout.ownTraining(new int[]{-1, 3, 0, -1, 4, 3}, 4));
        assertArrayEquals(new int[]{}, Holdout.ownTraining(new int[]{-1, -1}, 2));
    }
}
