package io.meshfl.core.protocol.horizontal.privacy;

import io.meshfl.core.crypto.dp.GaussianMechanism;
import io.meshfl.core.crypto.dp.RdpAccountant;
import io.meshfl.core.protocol.horizontal.Aggregated;
import io.meshfl.core.protocol.horizontal.FedAvg;
import io.meshfl.core.protocol.horizontal.FedOpt;
import io.meshfl.core.protocol.horizontal.FedProx;
import io.meshfl.core.protocol.horizontal.FitInstruction;
import io.meshfl.core.protocol.horizontal.FitResult;
import io.meshfl.core.protocol.horizontal.LocalSettings;
import io.meshfl.core.protocol.horizontal.Sampling;
import io.meshfl.core.protocol.horizontal.Strategy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DpStrategyTest {

    private static final Sampling ALL = new Sampling(1.0, 1);
    /** Noise too small to matter, for checking clipping and averaging exactly. */
    private static final double QUIET = 1e-12;

    private static FitResult r(String id, long n, double... p) {
        return new FitResult(id, p, n, Map.of());
    }

    private static DpStrategy dp(Strategy inner, PrivacySettings s, int rounds, long seed) {
        return new DpStrategy(inner, s, 1.0, 1, rounds, new Random(seed));
    }

    private static List<String> nodes(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add("n" + i);
        return out;
    }

    @Test
    void wrapsFedAvgAndFedProxKeepingTheirNodeSettings() {
        DpStrategy avg = dp(new FedAvg(ALL, LocalSettings.defaults(), 1), PrivacySettings.central(1.0, QUIET), 5, 1);
        DpStrategy prox = dp(new FedProx(ALL, LocalSettings.defaults(), 1, 0.5), PrivacySettings.central(2.0, QUIET), 5, 1);
        assertEquals("dp-fedavg", avg.name());
        assertEquals("dp-fedprox", prox.name());
        List<FitInstruction> orders = prox.configureFit(1, new double[1], nodes(2), new Random(1));
        assertEquals(2, orders.size());
        assertEquals("0.5", orders.get(0).config().get("proximal_mu"), "the inner strategy's settings still reach the nodes");
        assertEquals("2.0", orders.get(0).config().get("dp_clip"));
        assertEquals("0.1", orders.get(0).config().get("lr"));
        // FedProx aggregates like FedAvg: the wrapped mean of two short updates, each weighted 1 whatever its row count
        prox.configureFit(1, new double[]{0, 0}, nodes(2), new Random(1));
        Aggregated a = prox.aggregateFit(1, new double[]{0, 0}, List.of(r("n0", 100, 1, 0), r("n1", 300, 0, 1)), List.of());
        assertArrayEquals(new double[]{0.5, 0.5}, a.params(), 1e-9);
    }

    @Test
    void wrapsFedAdamSoNoiseEntersBeforeTheServerOptimizer() {
        DpStrategy adam = dp(new FedOpt(ALL, LocalSettings.defaults(), 1, FedOpt.Rule.ADAM, 0.1, 0.9, 0.99, 1e-3),
                PrivacySettings.central(1.0, QUIET), 5, 1);
        adam.configureFit(1, new double[1], nodes(1), new Random(1));
        double[] g = adam.aggregateFit(1, new double[1], List.of(r("n0", 1, 50.0)), List.of()).params();
        // Adam's first step is about eta = 0.1 in the update's direction, however long the (clipped) update
        assertEquals(0.1, g[0], 1e-3);
    }

    @Test
    void clippingBoundsTheInfluenceOfOneUpdate() {
        DpStrategy s = dp(new FedAvg(ALL, LocalSettings.defaults(), 1), PrivacySettings.central(1.0, QUIET), 5, 1);
        double[] global = {1, 1, 1};
        s.configureFit(1, global, nodes(4), new Random(1));
        List<FitResult> rs = List.of(r("n0", 10, 1e6, -1e6, 1e6), r("n1", 10, 1, 1, 1), r("n2", 10, 1, 1, 1), r("n3", 10, 1, 1, 1));
        double[] out = s.aggregateFit(1, global, rs, List.of()).params();
        double[] moved = new double[3];
        for (int i = 0; i < 3; i++) moved[i] = out[i] - global[i];
        // one node of four moves the mean by at most C/4, however large its update
        assertEquals(0.25, GaussianMechanism.l2Norm(moved), 1e-9);
    }

    @Test
    void noiseOnTheMeanHasSdNoiseMultiplierTimesClipOverNodes() {
        int dim = 40_000;
        DpStrategy s = dp(new FedAvg(ALL, LocalSettings.defaults(), 1), PrivacySettings.central(2.0, 1.5), 5, 7);
        double[] global = new double[dim];
        s.configureFit(1, global, nodes(4), new Random(1));
        List<FitResult> rs = new ArrayList<>();
        for (int i = 0; i < 4; i++) rs.add(new FitResult("n" + i, new double[dim], 1, Map.of()));
        Aggregated a = s.aggregateFit(1, global, rs, List.of());
        double sq = 0;
        for (double x : a.params()) sq += x * x;
        double sd = Math.sqrt(sq / dim);
        assertEquals(1.5 * 2.0 / 4, sd, 0.01);
        assertEquals(0.75, a.metrics().get("dp_noise_sd"), 1e-12);
    }

    @Test
    void adaptiveClipConvergesTowardTheTargetQuantile() {
        // update norms |N(0,1)| * 5 over 100 nodes: the median norm is 5 * 0.6745 = 3.37
        PrivacySettings adaptive = new PrivacySettings(PrivacySettings.Mode.CENTRAL, PrivacySettings.Clipping.ADAPTIVE, false,
                0.1, 1.0, 0.5, 0.2, 1e-5, Double.NaN);
        DpStrategy s = dp(new FedAvg(ALL, LocalSettings.defaults(), 1), adaptive, 300, 3);
        Random data = new Random(11);
        double[] global = {0};
        for (int round = 1; round <= 300; round++) {
            s.configureFit(round, global, nodes(100), new Random(round));
            List<FitResult> rs = new ArrayList<>();
            for (int c = 0; c < 100; c++) rs.add(r("n" + c, 1, 5 * data.nextGaussian()));
            s.aggregateFit(round, global, rs, List.of());
        }
        assertEquals(3.37, s.clip(), 0.5);
    }

    @Test
    void adaptiveClippingPaysForTheCountOutOfTheSameNoise() {
        PrivacySettings adaptive = new PrivacySettings(PrivacySettings.Mode.CENTRAL, PrivacySettings.Clipping.ADAPTIVE, false,
                1.0, 1.0, 0.5, 0.2, 1e-5, Double.NaN);
        DpStrategy s = dp(new FedAvg(ALL, LocalSettings.defaults(), 1), adaptive, 10, 3);
        s.configureFit(1, new double[1], nodes(3), new Random(1));
        Aggregated a = s.aggregateFit(1, new double[1], List.of(r("n0", 1, 0), r("n1", 1, 0), r("n2", 1, 0)), List.of());
        // count noise sd = max(3/20, z) = 1: the updates get (1 - 1/4)^-1/2 = 1.1547 times the noise
        assertEquals(1.0 / Math.sqrt(0.75) / 3, a.metrics().get("dp_noise_sd"), 1e-9);
    }

    @Test
    void everyRoundReportsTheEpsilonTheAccountantGives() {
        DpStrategy s = new DpStrategy(new FedAvg(new Sampling(0.5, 1), LocalSettings.defaults(), 1), PrivacySettings.central(1.0, 1.2),
                0.5, 1, 4, new Random(1));
        double[] g = {0};
        double last = 0;
        for (int round = 1; round <= 4; round++) {
            s.configureFit(round, g, nodes(10), new Random(round));
            Aggregated a = s.aggregateFit(round, g, List.of(r("n0", 1, 0.1)), List.of());
            double expected = new RdpAccountant().compose(0.5, 1.2, round).epsilon(1e-5);
            assertEquals(expected, a.metrics().get("dp_epsilon"), 1e-9);
            assertEquals(0.5, a.metrics().get("dp_q"));
            assertTrue(a.metrics().get("dp_epsilon") > last);
            last = a.metrics().get("dp_epsilon");
        }
    }

    @Test
    void aTargetEpsilonSolvesTheNoiseMultiplierTheRunEndsWithin() {
        PrivacySettings target = new PrivacySettings(PrivacySettings.Mode.CENTRAL, PrivacySettings.Clipping.FIXED, false,
                1.0, Double.NaN, 0.5, 0.2, 1e-5, 2.0);
        DpStrategy s = new DpStrategy(new FedAvg(new Sampling(0.3, 1), LocalSettings.defaults(), 1), target, 0.3, 1, 20, new Random(1));
        double eps = 0;
        for (int round = 1; round <= 20; round++) {
            s.configureFit(round, new double[1], nodes(10), new Random(round));
            eps = s.aggregateFit(round, new double[1], List.of(r("n0", 1, 0.1)), List.of()).metrics().get("dp_epsilon");
        }
        assertTrue(eps <= 2.0 && eps > 1.99, "epsilon " + eps);
        assertEquals(RdpAccountant.noiseMultiplierFor(new io.meshfl.core.crypto.dp.PrivacyBudget(2.0, 1e-5), 0.3, 20), s.noiseMultiplier());
    }

    @Test
    void localModeAccountsTheMostSampledNodeWithoutAmplification() {
        PrivacySettings local = new PrivacySettings(PrivacySettings.Mode.LOCAL, PrivacySettings.Clipping.FIXED, false,
                1.0, 3.0, 0.5, 0.2, 1e-5, Double.NaN);
        assertTrue(local.clipAtNode(), "local mode always clips on the node");
        DpStrategy s = dp(new FedAvg(ALL, LocalSettings.defaults(), 1), local, 3, 1);
        double eps = 0;
        for (int round = 1; round <= 3; round++) {
            s.configureFit(round, new double[1], nodes(2), new Random(round));
            eps = s.aggregateFit(round, new double[1], List.of(r("n0", 1, 0.5), r("n1", 1, 0.5)), List.of()).metrics().get("dp_epsilon");
        }
        assertEquals(new RdpAccountant().compose(1.0, 3.0, 3).epsilon(1e-5), eps, 1e-12);
    }
}
