package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobLoaderTest {

    private static final String GOOD = """
            name: j
            products: [a.p, b.p]
            label: y
            model: {type: mlp, hidden: [8, 4]}
            aggregator: {name: fedprox, proximalMu: 0.1, minNodes: 2}
            local: {epochs: 2, batchSize: 16, optimizer: adam, lr: 0.01}
            rounds: 5
            evaluation: {holdout: 0.25}
            seed: 3
            """;

    @Test
    void readsEveryField() {
        JobSpec j = JobLoader.parse(GOOD, "job.yaml");
        assertEquals(ModelSpec.Type.MLP, j.model().type());
        assertEquals(java.util.List.of(8, 4), j.model().hidden());
        assertEquals("fedprox", j.aggregator().name());
        assertEquals(0.1, j.aggregator().proximalMu());
        assertEquals(2, j.local().epochs());
        assertEquals("adam", j.local().optimizer());
        assertEquals(0.25, j.evaluation().holdout());
        assertEquals(3, j.seed());
        assertTrue(j.features().isEmpty());
    }

    @Test
    void malformedYamlNamesFileAndLine() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse("name: j\nproducts: [a, b\nlabel: y\n", "bad.yaml"));
        assertEquals(ErrorCode.JOB_INVALID, e.code());
        assertTrue(e.getMessage().contains("bad.yaml") && e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void unknownFieldIsRejectedWithItsPath() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD.replace("lr: 0.01", "lr: 0.01, learningRate: 2"), "j.yaml"));
        assertTrue(e.getMessage().contains("local.learningRate"), e.getMessage());
    }

    @Test
    void wrongTypeIsRejectedWithItsField() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD.replace("rounds: 5", "rounds: many"), "j.yaml"));
        assertTrue(e.getMessage().contains("'rounds'") && e.getMessage().contains("integer"), e.getMessage());
    }

    @Test
    void unknownAggregatorListsTheKnownOnes() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD.replace("fedprox", "fedmagic"), "j.yaml"));
        assertTrue(e.getMessage().contains("aggregator.name") && e.getMessage().contains("fedavg"), e.getMessage());
    }

    @Test
    void missingLabelIsRequired() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD.replace("label: y\n", ""), "j.yaml"));
        assertTrue(e.getMessage().contains("'label'") && e.getMessage().contains("required"), e.getMessage());
    }

    @Test
    void readsSplitAndBoostSettings() {
        JobSpec j = JobLoader.parse("""
                name: s
                products: [a.p, b.p]
                label: y
                model: {type: splitnn}
                split: {bottomHidden: [16, 8], cutWidth: 4, topHidden: [], labels: bank, categorical: [c1],
                        activationNoise: 0.2, gradientClip: 1.5, epochs: 3}
                boost: {trees: 7, depth: 4, bins: 16, keyBits: 1024}
                """, "s.yaml");
        assertEquals(ModelSpec.Type.SPLITNN, j.model().type());
        assertEquals(java.util.List.of(16, 8), j.split().bottomHidden());
        assertEquals(4, j.split().cutWidth());
        assertTrue(j.split().topHidden().isEmpty());
        assertTrue(j.split().labelOwnerComputesLoss());
        assertEquals(java.util.List.of("c1"), j.split().categorical());
        assertEquals(0.2, j.split().activationNoise());
        assertEquals(7, j.boost().trees());
        assertEquals(4, j.boost().depth());
        assertEquals(16, j.boost().bins());
        assertEquals(1024, j.boost().keyBits());
        assertEquals(JobSpec.BoostSettings.defaults().l2(), j.boost().l2());
    }

    @Test
    void badSplitOrBoostSettingNamesTheField() {
        var e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD + "split: {cutWidth: 0}\n", "j.yaml"));
        assertTrue(e.getMessage().contains("split.cutWidth"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD + "boost: {bins: 1000}\n", "j.yaml"));
        assertTrue(e.getMessage().contains("boost.bins"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD + "boost: {leaves: 3}\n", "j.yaml"));
        assertTrue(e.getMessage().contains("boost.leaves"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> JobLoader.parse(GOOD + "split: {bottomHidden: [8, wide]}\n", "j.yaml"));
        assertTrue(e.getMessage().contains("split.bottomHidden"), e.getMessage());
    }
}
