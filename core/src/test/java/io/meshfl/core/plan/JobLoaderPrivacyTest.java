package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.horizontal.privacy.PrivacySettings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobLoaderPrivacyTest {

    private static final String JOB = """
            name: j
            products: [a.p, b.p]
            label: y
            model: {type: logistic}
            rounds: 20
            """;

    private static JobSpec parse(String privacy) {
        return JobLoader.parse(JOB + privacy, "job.yaml");
    }

    private static void refused(String privacy, String field) {
        var e = assertThrows(MeshflException.class, () -> parse(privacy));
        assertEquals(ErrorCode.JOB_INVALID, e.code());
        assertTrue(e.getMessage().contains("job.yaml") && e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void privacyBlockIsReadFieldByField() {
        PrivacySettings p = parse("privacy: {mode: central, clipping: adaptive, clipAt: node, clip: 2.5, noiseMultiplier: 1.1, "
                + "targetQuantile: 0.7, clipLr: 0.1, delta: 1.0e-6}\n").privacy();
        assertEquals(PrivacySettings.Mode.CENTRAL, p.mode());
        assertEquals(PrivacySettings.Clipping.ADAPTIVE, p.clipping());
        assertTrue(p.clipAtNode());
        assertEquals(2.5, p.clip());
        assertEquals(1.1, p.noiseMultiplier());
        assertEquals(0.7, p.targetQuantile());
        assertEquals(0.1, p.clipLr());
        assertEquals(1e-6, p.delta());
        assertTrue(Double.isNaN(p.targetEpsilon()));
        PrivacySettings d = parse("privacy: {targetEpsilon: 3}\n").privacy();
        assertEquals(PrivacySettings.Mode.CENTRAL, d.mode());
        assertFalse(d.clipAtNode());
        assertEquals(1.0, d.clip());
        assertEquals(1e-5, d.delta());
        assertEquals(3.0, d.targetEpsilon());
        assertNull(parse("").privacy(), "no block: no privacy");
    }

    @Test
    void everyBadPrivacyFieldIsNamed() {
        refused("privacy: {mode: global, noiseMultiplier: 1}\n", "privacy.mode");
        refused("privacy: {clipping: sometimes, noiseMultiplier: 1}\n", "privacy.clipping");
        refused("privacy: {clipAt: cloud, noiseMultiplier: 1}\n", "privacy.clipAt");
        refused("privacy: {clip: -1, noiseMultiplier: 1}\n", "privacy.clip");
        refused("privacy: {noiseMultiplier: 0}\n", "privacy.noiseMultiplier");
        refused("privacy: {noiseMultiplier: one}\n", "privacy.noiseMultiplier");
        refused("privacy: {noiseMultiplier: 1, targetEpsilon: 2}\n", "privacy.noiseMultiplier");
        refused("privacy: {clip: 1}\n", "privacy.noiseMultiplier");
        refused("privacy: {targetEpsilon: -2}\n", "privacy.targetEpsilon");
        refused("privacy: {noiseMultiplier: 1, delta: 1}\n", "privacy.delta");
        refused("privacy: {noiseMultiplier: 1, targetQuantile: 1.5}\n", "privacy.targetQuantile");
        refused("privacy: {noiseMultiplier: 1, clipLr: 0}\n", "privacy.clipLr");
        refused("privacy: {noiseMultiplier: 1, sigma: 1}\n", "privacy.sigma");
        refused("privacy: {mode: local, clipping: adaptive, noiseMultiplier: 1}\n", "privacy.clipping");
    }

    @Test
    void privacyWrapsOnlyAveragingAggregators() {
        refused("aggregator: {name: fedmedian}\nprivacy: {noiseMultiplier: 1}\n", "privacy");
        assertEquals("fedyogi", parse("aggregator: {name: fedyogi}\nprivacy: {noiseMultiplier: 1}\n").aggregator().name());
    }
}
