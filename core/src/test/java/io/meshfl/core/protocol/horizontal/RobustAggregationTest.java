package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Krum, Multi-Krum and norm bounding: what they keep, what they drop, and what they refuse. */
class RobustAggregationTest {

    private static final Sampling ALL = new Sampling(1.0, 1);

    private static FitResult r(String id, long n, double... p) {
        return new FitResult(id, p, n, Map.of());
    }

    /** Seven honest updates around (1, 1, 1) and two attackers far off, one of them claiming many examples. */
    private static List<FitResult> attacked() {
        Random rng = new Random(3);
        List<FitResult> rs = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            rs.add(r("h" + i, 100, 1 + 0.05 * rng.nextGaussian(), 1 + 0.05 * rng.nextGaussian(), 1 + 0.05 * rng.nextGaussian()));
        }
        rs.add(r("scaled", 10_000, -10, -10, -10));
        rs.add(r("flipped", 100, -1, -1, -1));
        return rs;
    }

    @Test
    void pairwiseDistancesAreSquaredEuclideanAndSymmetric() {
        Random rng = new Random(1);
        List<double[]> v = new ArrayList<>();
        for (int i = 0; i < 5; i++) v.add(rng.doubles(2_500).toArray()); // longer than one block, not a multiple of 4
        double[][] d = Aggregation.pairwiseSquaredDistances(v);
        for (int i = 0; i < 5; i++) {
            assertEquals(0.0, d[i][i]);
            for (int j = 0; j < 5; j++) {
                double s = 0;
                for (int c = 0; c < 2_500; c++) s += (v.get(i)[c] - v.get(j)[c]) * (v.get(i)[c] - v.get(j)[c]);
                assertEquals(s, d[i][j], 1e-9);
            }
        }
    }

    @Test
    void krumPicksTheHonestCluster() {
        List<FitResult> rs = attacked();
        int best = Aggregation.krumSelect(rs, 2, 1)[0];
        assertTrue(rs.get(best).nodeId().startsWith("h"), rs.get(best).nodeId());
        var s = new Krum(ALL, LocalSettings.defaults(), 1, 2, 1, false);
        Aggregated a = s.aggregateFit(1, new double[3], rs, List.of());
        for (double x : a.params()) assertEquals(1.0, x, 0.2);
        assertEquals(2.0, a.metrics().get("krum_f"));
    }

    @Test
    void multiKrumAveragesTheMBestUnweighted() {
        List<FitResult> rs = attacked();
        int[] chosen = Aggregation.krumSelect(rs, 2, 5);
        double[] mean = new double[3];
        for (int i : chosen) {
            assertTrue(rs.get(i).nodeId().startsWith("h"), rs.get(i).nodeId());
            for (int c = 0; c < 3; c++) mean[c] += rs.get(i).params()[c] / 5;
        }
        assertArrayEquals(mean, Aggregation.multiKrum(rs, 2, 5), 1e-12);
        // the default m = k - f = 7 keeps exactly the seven honest updates
        var s = new Krum(ALL, LocalSettings.defaults(), 1, 2, 0, true);
        Aggregated a = s.aggregateFit(1, new double[3], rs, List.of());
        assertEquals(7.0, a.metrics().get("krum_selected"));
        double[] honest = new double[3];
        for (int i = 0; i < 7; i++) for (int c = 0; c < 3; c++) honest[c] += rs.get(i).params()[c] / 7;
        assertArrayEquals(honest, a.params(), 1e-12);
    }

    @Test
    void fedAvgIsPulledAwayByTheSameAttack() {
        double[] avg = new FedAvg(ALL, LocalSettings.defaults(), 1).aggregateFit(1, new double[3], attacked(), List.of()).params();
        assertTrue(avg[0] < 0, "the scaled update with its inflated example count should drag FedAvg negative, got " + avg[0]);
    }

    @Test
    void krumRefusesTooFewUpdatesNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> Aggregation.krum(attacked().subList(0, 6), 2));
        assertTrue(e.getMessage().contains("aggregator.byzantine") && e.getMessage().contains("2f + 2 = 6"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> Aggregation.multiKrum(attacked(), 2, 8));
        assertTrue(e2.getMessage().contains("aggregator.selected") && e2.getMessage().contains("k - f = 7"), e2.getMessage());
        var s = new Krum(ALL, LocalSettings.defaults(), 1, 2, 1, false);
        var e3 = assertThrows(MeshflException.class, () -> s.aggregateFit(5, new double[3], attacked().subList(0, 6),
                List.of(new Failure("x", ErrorCode.BAD_UPDATE, "non-finite"))));
        assertEquals(ErrorCode.TOO_FEW_NODES, e3.code());
        assertTrue(e3.getMessage().contains("round 5") && e3.getMessage().contains("aggregator.byzantine"), e3.getMessage());
    }

    @Test
    void krumWithoutByzantineTakesTheLargestFTheRoundAllows() {
        var s = new Krum(ALL, LocalSettings.defaults(), 1, -1, 0, true);
        assertEquals(3.0, s.aggregateFit(1, new double[3], attacked(), List.of()).metrics().get("krum_f")); // k = 9: f = 3
        assertEquals(0.0, s.aggregateFit(1, new double[3], attacked().subList(0, 3), List.of()).metrics().get("krum_f"));
    }

    @Test
    void clipDeltaScalesOnlyLongChanges() {
        double[] global = {1, 1};
        double[] far = {4, 5}; // change (3, 4), norm 5
        assertArrayEquals(new double[]{1 + 0.6, 1 + 0.8}, Aggregation.clipDelta(far, global, 1.0), 1e-12);
        double[] near = {1.3, 1.4};
        assertSame(near, Aggregation.clipDelta(near, global, 1.0));
    }

    @Test
    void normBoundClipsThenDelegates() {
        List<List<FitResult>> seen = new ArrayList<>();
        Strategy recording = new FedAvg(ALL, LocalSettings.defaults(), 1) {
            @Override
            public Aggregated aggregateFit(int round, double[] global, List<FitResult> results, List<Failure> failures) {
                seen.add(results);
                return super.aggregateFit(round, global, results, failures);
            }
        };
        var s = new NormBounded(recording, 1.0);
        double[] global = {0, 0};
        Aggregated a = s.aggregateFit(1, global, List.of(r("big", 1, 30, 40), r("small", 1, 0.6, 0)), List.of());
        assertArrayEquals(new double[]{0.6, 0.8}, seen.get(0).get(0).params(), 1e-12);
        assertArrayEquals(new double[]{0.6, 0}, seen.get(0).get(1).params(), 1e-12);
        assertArrayEquals(new double[]{0.6, 0.4}, a.params(), 1e-12);
        assertEquals(1.0, a.metrics().get("clipped_updates"));
        assertEquals("fedavg+normbound", s.name());
        assertEquals(2, s.configureFit(1, global, List.of("a", "b"), new Random(1)).size());
    }

    @Test
    void normBoundMustBePositive() {
        var e = assertThrows(IllegalArgumentException.class, () -> new NormBounded(new FedAvg(ALL, LocalSettings.defaults(), 1), 0));
        assertTrue(e.getMessage().contains("aggregator.normBound"), e.getMessage());
    }
}
