package io.meshfl.core.protocol.horizontal.privacy;

import io.meshfl.core.protocol.horizontal.FitMod;
import io.meshfl.core.protocol.horizontal.FitMod.LocalUpdate;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeProtectionsTest {

    private static PlannedPrivacy planned(PrivacySettings.Mode mode, double z, double clip) {
        return new PlannedPrivacy(mode, 1.0, z, clip, 5, 1.0, 1e-5);
    }

    @Test
    void nodeClipsItsDeltaFromTheGlobalParametersBeforeItLeaves() {
        var mods = NodeProtections.forRound(planned(PrivacySettings.Mode.CENTRAL, 1, 1.0), Map.of("dp_clip_at_node", "true"), new Random(1));
        double[] global = {10, 10};
        LocalUpdate u = FitMod.chain(mods, global, Map.of("dp_clip", "1.0", "dp_clip_at_node", "true"),
                () -> new LocalUpdate(new double[]{13, 14}, Map.of()));
        assertArrayEquals(new double[]{10.6, 10.8}, u.params(), 1e-12);
        assertEquals(0.0, u.metrics().get(NodeClipping.UNCLIPPED), "the delta of norm 5 was clipped");
    }

    @Test
    void centralModeWithServerClippingLeavesTheUpdateAlone() {
        assertTrue(NodeProtections.forRound(planned(PrivacySettings.Mode.CENTRAL, 1, 1.0), Map.of(), new Random(1)).isEmpty());
        assertTrue(NodeProtections.forRound(null, Map.of("dp_clip_at_node", "true"), new Random(1)).isEmpty());
    }

    @Test
    void localNoiseHasSdNoiseMultiplierTimesClipOnTheClippedUpdate() {
        int dim = 40_000;
        var mods = NodeProtections.forRound(planned(PrivacySettings.Mode.LOCAL, 2.0, 0.5), Map.of(), new Random(5));
        double[] trained = new double[dim];
        trained[0] = 1e6; // clipped to 0.5 before the noise
        // the round's config cannot lower the noise: z comes from the prepared plan
        LocalUpdate u = FitMod.chain(mods, new double[dim], Map.of("dp_noise_multiplier", "0"),
                () -> new LocalUpdate(trained, Map.of("loss", 0.3)));
        double sq = 0;
        for (int i = 1; i < dim; i++) sq += u.params()[i] * u.params()[i];
        assertEquals(2.0 * 0.5, Math.sqrt(sq / (dim - 1)), 0.01);
        assertTrue(Math.abs(u.params()[0] - 0.5) < 5, "coordinate 0 is the clipped 0.5 plus noise, got " + u.params()[0]);
        assertNull(u.metrics().get(NodeClipping.UNCLIPPED), "the un-noised bit does not leave in local mode");
    }

    @Test
    void plannedPrivacyTravelsToTheNodeWhichRecomputesEpsilon() {
        PrivacySettings s = new PrivacySettings(PrivacySettings.Mode.CENTRAL, PrivacySettings.Clipping.FIXED, true, 1.5, 1.1,
                0.5, 0.2, 1e-5, Double.NaN);
        PlannedPrivacy p = s.plan(0.5, 1, 4, 10);
        assertEquals(0.5, p.q());
        Map<String, String> cfg = new java.util.HashMap<>(p.toConfig());
        assertEquals(p, PlannedPrivacy.fromConfig(cfg));
        assertNull(PlannedPrivacy.fromConfig(Map.of("product", "x")));
        // a local-mode plan claiming amplification is accounted at q = 1 by the node
        cfg.put("dp_mode", "local");
        PlannedPrivacy local = PlannedPrivacy.fromConfig(cfg);
        assertEquals(1.0, local.q());
        assertTrue(local.epsilon() > p.epsilon());
    }
}
