package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StrategiesTest {

    private static FitResult r(String id, long n, double... p) {
        return new FitResult(id, p, n, Map.of());
    }

    private static final Sampling ALL = new Sampling(1.0, 1);

    @Test
    void fedAvgWeightsBySampleCount() {
        var s = new FedAvg(ALL, LocalSettings.defaults(), 1);
        Aggregated a = s.aggregateFit(1, new double[]{0, 0}, List.of(r("a", 100, 1, 10), r("b", 300, 5, 2)), List.of());
        assertArrayEquals(new double[]{4.0, 4.0}, a.params(), 1e-12);
    }

    @Test
    void fedMedianIgnoresOneOutlier() {
        var s = new FedMedian(ALL, LocalSettings.defaults(), 1);
        Aggregated a = s.aggregateFit(1, new double[1], List.of(r("a", 1, 1), r("b", 1, 2), r("c", 1, 1e9)), List.of());
        assertArrayEquals(new double[]{2.0}, a.params(), 1e-12);
    }

    @Test
    void trimmedMeanDropsExtremesAtBothEnds() {
        var s = new TrimmedMean(ALL, LocalSettings.defaults(), 1, 0.2);
        List<FitResult> rs = List.of(r("a", 1, -100), r("b", 1, 1), r("c", 1, 2), r("d", 1, 3), r("e", 1, 100));
        assertArrayEquals(new double[]{2.0}, s.aggregateFit(1, new double[1], rs, List.of()).params(), 1e-12);
    }

    @Test
    void fedProxSendsProximalTermToNodes() {
        var s = new FedProx(ALL, LocalSettings.defaults(), 1, 0.5);
        var orders = s.configureFit(1, new double[1], List.of("a", "b"), new Random(1));
        assertEquals(2, orders.size());
        assertEquals("0.5", orders.get(0).config().get("proximal_mu"));
    }

    @Test
    void fedAdamMovesTowardTheAverageUpdate() {
        var s = new FedOpt(ALL, LocalSettings.defaults(), 1, FedOpt.Rule.ADAM, 0.1, 0.9, 0.99, 1e-3);
        double[] g = {0.0};
        for (int i = 0; i < 50; i++) {
            g = s.aggregateFit(i + 1, g, List.of(r("a", 1, g[0] + 1.0)), List.of()).params();
        }
        assertTrue(g[0] > 1.0, "global should move in the update direction, got " + g[0]);
    }

    @Test
    void fedYogiStaysFiniteWithLargeUpdates() {
        var s = new FedOpt(ALL, LocalSettings.defaults(), 1, FedOpt.Rule.YOGI, 0.1, 0.9, 0.99, 1e-3);
        double[] g = {0.0, 0.0};
        for (int i = 0; i < 20; i++) {
            g = s.aggregateFit(i + 1, g, List.of(r("a", 1, 1e6, -1e6)), List.of()).params();
        }
        assertTrue(Double.isFinite(g[0]) && g[0] > 0 && g[1] < 0);
    }

    @Test
    void samplingTakesFractionButNeverFewerThanMinimum() {
        Sampling s = new Sampling(0.1, 3);
        List<String> nodes = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        assertEquals(3, s.sample(1, nodes, new Random(1)).size());
        assertEquals(5, new Sampling(0.5, 1).sample(1, nodes, new Random(1)).size());
    }

    @Test
    void samplingIsSeeded() {
        List<String> nodes = List.of("a", "b", "c", "d", "e", "f");
        Sampling s = new Sampling(0.5, 1);
        assertEquals(s.sample(3, nodes, new Random(9)), s.sample(3, nodes, new Random(9)));
    }

    @Test
    void tooFewResultsFailTheRoundNamingEachFailure() {
        var s = new FedAvg(new Sampling(1.0, 2), LocalSettings.defaults(), 1);
        var e = assertThrows(MeshflException.class, () -> s.aggregateFit(4, new double[1], List.of(r("a", 1, 1)),
                List.of(new Failure("b", ErrorCode.NODE_LOST, "unreachable"))));
        assertEquals(ErrorCode.TOO_FEW_NODES, e.code());
        assertTrue(e.getMessage().contains("round 4") && e.getMessage().contains("b: unreachable"), e.getMessage());
    }

    @Test
    void tooFewAvailableNodesFailBeforeTraining() {
        var s = new FedAvg(new Sampling(1.0, 3), LocalSettings.defaults(), 1);
        var e = assertThrows(MeshflException.class, () -> s.configureFit(1, new double[1], List.of("a", "b"), new Random(1)));
        assertEquals(ErrorCode.TOO_FEW_NODES, e.code());
    }

    @Test
    void invalidSettingsNameTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TrimmedMean(ALL, LocalSettings.defaults(), 1, 0.6));
        assertTrue(e.getMessage().contains("strategy.trimBeta"));
        var e2 = assertThrows(IllegalArgumentException.class, () -> new LocalSettings(0, 32, "sgd", 0.1, 0, 0));
        assertTrue(e2.getMessage().contains("local.epochs"));
    }
}
