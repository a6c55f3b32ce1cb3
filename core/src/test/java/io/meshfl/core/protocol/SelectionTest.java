package io.meshfl.core.protocol;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelectionTest {

    @Test
    void theBestRoundIsTheFirstToReachTheBestValueAndPatienceCountsRoundsWithoutImprovement() {
        Selection s = new Selection(new Selection.Spec("auc", 2));
        assertTrue(s.offer(1, Map.of("auc", 0.70)));
        assertTrue(s.offer(2, Map.of("auc", 0.80)));
        assertFalse(s.offer(3, Map.of("auc", 0.80)), "a tie is no improvement");
        assertFalse(s.exhausted());
        assertFalse(s.offer(4, Map.of("auc", 0.75)));
        assertTrue(s.exhausted());
        assertEquals(2, s.bestRound());
        assertEquals(0.80, s.best());
    }

    @Test
    void lossesAreBetterLowerAndPatienceZeroNeverStops() {
        Selection s = new Selection(new Selection.Spec("loss", 0));
        s.offer(1, Map.of("loss", 0.5));
        s.offer(2, Map.of("loss", 0.4));
        for (int r = 3; r < 50; r++) s.offer(r, Map.of("loss", 0.6));
        assertEquals(2, s.bestRound());
        assertFalse(s.exhausted());
    }

    @Test
    void aCheckpointCarriesItThroughAResume() {
        Selection s = new Selection(new Selection.Spec("rmse", 3));
        s.offer(1, Map.of("rmse", 2.0));
        s.offer(2, Map.of("rmse", 1.0));
        s.offer(3, Map.of("rmse", 1.5));
        Selection back = new Selection(s.spec());
        back.restore(new RunCheckpoint(3, Map.of(), s.state()));
        assertEquals(2, back.bestRound());
        back.offer(4, Map.of("rmse", 1.2));
        assertFalse(back.exhausted());
        back.offer(5, Map.of("rmse", 1.1));
        assertTrue(back.exhausted(), "rounds 3, 4 and 5 did not improve on round 2");
    }

    @Test
    void aRoundWithoutTheMetricIsAnErrorNamingWhatItReported() {
        Selection s = new Selection(new Selection.Spec("auc", 1));
        var e = assertThrows(MeshflException.class, () -> s.offer(1, Map.of("loss", 0.3)));
        assertTrue(e.getMessage().contains("reported no auc") && e.getMessage().contains("[loss]"), e.getMessage());
    }
}
